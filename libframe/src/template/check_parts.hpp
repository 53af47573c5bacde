#pragma once
// The parts of check_template (render.cpp) that check_data (batch.cpp) runs
// apart: the checks of one set of fields, run per row, and those of the
// template alone and the notes gathered over all rows, said once.

#include "khung/render.hpp"
#include "khung/text.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace khung::detail {

// The characters text layers' fonts lack and take from fallback fonts,
// gathered over one set of fields or every row of a data file.
class FallbackNotes {
 public:
  // What layers[layer] took from fallback fonts in `layout`.
  void add(std::size_t layer, const TextLayout& layout);
  // One note per layer, at "layers[i].font", in layer order.
  std::vector<CheckProblem> notes() const;

 private:
  struct Layer {
    std::string font;                                                  // the layer's own font, named
    std::vector<std::pair<std::string, std::vector<char32_t>>> taken;  // per fallback font, named
  };
  std::map<std::size_t, Layer> layers_;
};

// check_template's problems for one set of fields, the fallback characters
// going to `notes`.
std::vector<CheckProblem> check_fields(const Template& tpl, const Fields& fields, const FontLibrary& fonts,
                                       FallbackNotes& notes);

// check_template's checks of the template alone, whatever the fields:
// photo windows leaving the canvas (problems), text boxes leaving it
// (notes).
std::vector<CheckProblem> check_canvas(const Template& tpl);

// check_template's checks of the text layers' fonts, whatever the fields:
// at "layers[i].font", a font lacking Vietnamese letters
// (missing_vietnamese_letters), named with the letters. A note when the
// layer's fallback fonts draw every one of them (as for FallbackNotes: the
// text comes out right, some letters in another typeface); a problem for
// letters no font of the layer draws (as for characters no font covers).
std::vector<CheckProblem> check_fonts(const Template& tpl, const FontLibrary& fonts);

}  // namespace khung::detail
