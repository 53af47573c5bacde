#include "latin_font.hpp"

#include <hb-subset.h>
#include <hb.h>

#include <catch2/catch.hpp>

#include <fstream>

std::filesystem::path write_latin_only_font(const std::filesystem::path& source, const std::filesystem::path& out) {
  hb_blob_t* blob = hb_blob_create_from_file_or_fail(source.c_str());
  REQUIRE(blob);
  hb_face_t* face = hb_face_create(blob, 0);
  hb_subset_input_t* input = hb_subset_input_create_or_fail();
  REQUIRE(input);
  hb_set_t* unicodes = hb_subset_input_unicode_set(input);
  hb_set_add_range(unicodes, 0x20, 0x7E);
  hb_set_add_range(unicodes, 0xA0, 0xFF);
  hb_face_t* subset = hb_subset_or_fail(face, input);
  REQUIRE(subset);
  hb_blob_t* bytes = hb_face_reference_blob(subset);
  unsigned length = 0;
  const char* data = hb_blob_get_data(bytes, &length);
  REQUIRE(length > 0);
  std::ofstream(out, std::ios::binary).write(data, length);
  hb_blob_destroy(bytes);
  hb_face_destroy(subset);
  hb_subset_input_destroy(input);
  hb_face_destroy(face);
  hb_blob_destroy(blob);
  return out;
}
