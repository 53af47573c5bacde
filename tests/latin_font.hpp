#pragma once
// A font that lacks the Vietnamese letters, as many display fonts do: a
// bundled font cut down with HarfBuzz's subsetter (libharfbuzz-subset, part
// of Debian's libharfbuzz-dev) to Basic Latin and Latin-1. It keeps À Á Â Ã
// È É Ê Ì Í Ò Ó Ô Õ Ù Ú Ý and their lower case, and loses Ă Đ Ĩ Ũ Ơ Ư, every
// letter of U+1EA0..U+1EF9 (Ạ Ả Ấ ... Ễ ... Ứ ...) and the combining marks.
// The outlines, names and weight are the source font's.

#include <filesystem>

// Writes the subset of `source` (a file of fonts/) to `out`; returns `out`.
std::filesystem::path write_latin_only_font(const std::filesystem::path& source, const std::filesystem::path& out);
