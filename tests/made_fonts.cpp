#include "made_fonts.hpp"

#include "khung/unicode.hpp"

#include <hb-subset.h>
#include <hb.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <stdexcept>
#include <vector>

namespace {

void put16(std::string& out, unsigned v) {
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xFFFF);
}

hb_blob_t* blob_of(std::string bytes) {
  auto* copy = new std::string(std::move(bytes));
  return hb_blob_create(copy->data(), static_cast<unsigned>(copy->size()), HB_MEMORY_MODE_READONLY, copy,
                        [](void* p) { delete static_cast<std::string*>(p); });
}

// A name table (format 0, Windows Unicode English) with the family, style,
// full and PostScript names.
std::string name_table(const std::string& family, const std::string& style) {
  std::string postscript;
  for (char c : family + "-" + style)
    if (c != ' ') postscript += c;
  const std::vector<std::pair<unsigned, std::string>> names = {
      {1, family}, {2, style}, {4, family + " " + style}, {6, postscript}};
  std::string strings;
  std::string out;
  put16(out, 0);
  put16(out, static_cast<unsigned>(names.size()));
  put16(out, static_cast<unsigned>(6 + 12 * names.size()));
  for (const auto& [id, text] : names) {
    std::string utf16;
    for (char32_t c : khung::to_utf32(text)) put16(utf16, static_cast<unsigned>(c));  // BMP only
    put16(out, 3);
    put16(out, 1);
    put16(out, 0x409);
    put16(out, id);
    put16(out, static_cast<unsigned>(utf16.size()));
    put16(out, static_cast<unsigned>(strings.size()));
    strings += utf16;
  }
  return out + strings;
}

// A cmap with one format 12 subtable (Windows, UCS-4).
std::string cmap_table(const std::map<char32_t, std::uint32_t>& map) {
  std::string out;
  put16(out, 0);
  put16(out, 1);
  put16(out, 3);
  put16(out, 10);
  put32(out, 12);
  put16(out, 12);
  put16(out, 0);
  put32(out, static_cast<std::uint32_t>(16 + 12 * map.size()));
  put32(out, 0);
  put32(out, static_cast<std::uint32_t>(map.size()));
  for (const auto& [cp, gid] : map) {
    put32(out, cp);
    put32(out, cp);
    put32(out, gid);
  }
  return out;
}

// A BMP character in UTF-8.
std::string utf8_of(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

// What the byte `b` (as a Latin-1 character) draws in a font of the
// encoding: a letter, a combining mark, or 0 for itself.
char32_t legacy_meaning(char32_t b, khung::LegacyEncoding encoding) {
  using khung::legacy_to_unicode;
  if (encoding == khung::LegacyEncoding::Vni) {
    // A mark byte after "a" makes a marked letter: its last mark is the byte's.
    const std::string after = "a" + utf8_of(b);
    const std::string read = legacy_to_unicode(after, encoding);
    if (read != after) return khung::to_utf32(khung::to_nfd(read)).back();
  }
  const std::u32string read = khung::to_utf32(legacy_to_unicode(utf8_of(b), encoding));
  return read.size() == 1 && read[0] != b ? read[0] : 0;
}

}  // namespace

std::filesystem::path write_made_font(const std::filesystem::path& source, const std::filesystem::path& out,
                                      const FontRecipe& recipe) {
  hb_blob_t* blob = hb_blob_create_from_file_or_fail(source.c_str());
  if (!blob) throw std::runtime_error("cannot read " + source.string());
  hb_face_t* face = hb_face_create(blob, 0);
  hb_blob_destroy(blob);
  if (recipe.only) {
    hb_subset_input_t* input = hb_subset_input_create_or_fail();
    hb_set_t* unicodes = hb_subset_input_unicode_set(input);
    hb_set_add_range(unicodes, 0x20, 0x7E);
    for (char32_t c : *recipe.only) hb_set_add(unicodes, c);
    hb_face_t* subset = hb_subset_or_fail(face, input);
    hb_subset_input_destroy(input);
    hb_face_destroy(face);
    if (!subset) throw std::runtime_error("cannot subset " + source.string());
    // The subset's tables are built lazily: made into one file, then read back.
    hb_blob_t* bytes = hb_face_reference_blob(subset);
    hb_face_destroy(subset);
    face = hb_face_create(bytes, 0);
    hb_blob_destroy(bytes);
  }
  std::map<char32_t, std::uint32_t> cmap;
  if (recipe.legacy) {
    hb_font_t* font = hb_font_create(face);
    auto glyph_of = [&](char32_t c) {
      hb_codepoint_t gid = 0;
      return hb_font_get_nominal_glyph(font, c, &gid) ? gid : 0u;
    };
    for (char32_t c = 0x20; c <= 0x7E; ++c)
      if (auto g = glyph_of(c)) cmap[c] = g;
    for (char32_t b = 0xA0; b <= 0xFF; ++b) {
      const char32_t meaning = legacy_meaning(b, *recipe.legacy);
      if (auto g = glyph_of(meaning ? meaning : b)) cmap[b] = g;
    }
    hb_font_destroy(font);
  }
  hb_face_t* builder = hb_face_builder_create();
  hb_tag_t tags[64];
  unsigned count = 64;
  hb_face_get_table_tags(face, 0, &count, tags);
  for (unsigned i = 0; i < count; ++i) {
    if (tags[i] == HB_TAG('n', 'a', 'm', 'e') || (recipe.legacy && tags[i] == HB_TAG('c', 'm', 'a', 'p'))) continue;
    hb_blob_t* table = hb_face_reference_table(face, tags[i]);
    hb_face_builder_add_table(builder, tags[i], table);
    hb_blob_destroy(table);
  }
  hb_blob_t* name = blob_of(name_table(recipe.family, recipe.style));
  hb_face_builder_add_table(builder, HB_TAG('n', 'a', 'm', 'e'), name);
  hb_blob_destroy(name);
  if (recipe.legacy) {
    hb_blob_t* table = blob_of(cmap_table(cmap));
    hb_face_builder_add_table(builder, HB_TAG('c', 'm', 'a', 'p'), table);
    hb_blob_destroy(table);
  }
  hb_blob_t* bytes = hb_face_reference_blob(builder);
  unsigned length = 0;
  const char* data = hb_blob_get_data(bytes, &length);
  if (length == 0) throw std::runtime_error("cannot build " + out.string());
  std::ofstream(out, std::ios::binary).write(data, length);
  hb_blob_destroy(bytes);
  hb_face_destroy(builder);
  hb_face_destroy(face);
  return out;
}
