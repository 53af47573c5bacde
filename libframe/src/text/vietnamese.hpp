#pragma once
// The letters Vietnamese writes with diacritics, in one place: what a font
// must draw for Vietnamese text (font.cpp) and what legacy encodings code
// (legacy.cpp).

#include <string_view>

namespace khung::detail {

// The 67 lower-case letters with Vietnamese diacritics (the vowels with their
// five tones, ă â ê ô ơ ư with theirs, and đ), then their 67 capitals in the
// same order. Plain a e i o u y are not among them: every Latin font has them.
inline constexpr std::u32string_view kVietnameseLetters =
    U"àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    U"ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ";
static_assert(kVietnameseLetters.size() == 134);
inline constexpr std::u32string_view kVietnameseLowerCase = kVietnameseLetters.substr(0, 67);

}  // namespace khung::detail
