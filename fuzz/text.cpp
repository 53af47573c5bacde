// Text layout and drawing with arbitrary UTF-8 (runs of combining marks,
// control characters, bidi text, very long strings, invalid bytes) under a
// style and box the input chooses, in a box or along an arc.

#include "common.hpp"
#include "khung/arc_text.hpp"
#include "khung/text.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace khung;
  FuzzedDataProvider in(data, size);
  TextStyle style;
  style.font.family = in.PickValueInArray({"Noto Sans", "Noto Serif", "no such font"});
  style.font.weight = in.PickValueInArray({400, 700, 900});
  style.size = in.ConsumeFloatingPointInRange<float>(1, 160);
  style.min_size = in.ConsumeBool() ? in.ConsumeFloatingPointInRange<float>(0, style.size) : 0;
  style.align = in.PickValueInArray({Align::Left, Align::Center, Align::Right});
  style.vertical_align = in.PickValueInArray({VerticalAlign::Top, VerticalAlign::Middle, VerticalAlign::Bottom});
  style.line_height = in.ConsumeFloatingPointInRange<float>(0.1f, 3);
  style.letter_spacing = in.ConsumeFloatingPointInRange<float>(-20, 20);
  style.max_lines = in.ConsumeIntegralInRange(0, 4);
  style.overflow = in.PickValueInArray({Overflow::Shrink, Overflow::Ellipsis, Overflow::Error});
  style.transform = in.PickValueInArray({TextTransform::None, TextTransform::Upper, TextTransform::Lower});
  style.wrap = in.PickValueInArray({Wrap::Greedy, Wrap::Balance});
  if (in.ConsumeBool()) style.stroke.width = in.ConsumeFloatingPointInRange<float>(0, 6);
  if (in.ConsumeBool()) style.shadow = {2, 3, in.ConsumeFloatingPointInRange<float>(0, 6), {0, 0, 0, 128}};
  const bool arc = in.ConsumeBool();
  const int width = in.ConsumeIntegralInRange(1, 600), height = in.ConsumeIntegralInRange(1, 300);
  const std::string text = in.ConsumeRemainingBytesAsString();

  Image canvas(width, height);
  fuzz::expecting_errors([&] {
    if (arc) {
      Arc a{width / 2.0f, height / 2.0f, std::max(1.0f, std::min(width, height) / 2.0f), 0};
      draw_arc_text(canvas, layout_arc_text(text, style, a), style, a);
    } else {
      draw_text(canvas, layout_text(text, style, {0, 0, width, height}), style);
    }
  });
  return 0;
}
