#pragma once
// Legacy Vietnamese encodings. Before Unicode, offices typed Vietnamese with
// TCVN3 (ABC, TCVN 5712:1993 VN3) and VNI fonts: one byte per letter (TCVN3)
// or a base letter followed by a byte for its marks (VNI), shown right only
// in their own fonts. Read as Windows-1252/Latin-1 text, as spreadsheets
// export them, they look like mojibake: "ViÖt Nam" (TCVN3) or "Vieät Nam"
// (VNI) for "Việt Nam".
//
// All text here is UTF-8; a legacy byte appears as the character U+00A0..
// U+00FF of the same value. The functions taking text throw
// Error(InvalidArgument) on malformed UTF-8.
//
//   if (auto enc = detect_legacy(cell)) cell = legacy_to_unicode(cell, *enc);

#include <optional>
#include <string>
#include <string_view>

namespace khung {

// TCVN3: VN3's 67 lower-case letters and 7 capitals (Ă Â Ê Ô Ơ Ư Đ), plus the
// 16 toned capitals of VN1 that share its upper half (Ằ Ẳ Ẵ Ắ Ầ Ẩ Ẫ Ấ Ề Ể
// Ễ Ế Ồ Ổ Ỗ Ố). VNI: VNI-Windows, a vowel followed by a mark byte.
enum class LegacyEncoding { Tcvn3, Vni };

const char* legacy_name(LegacyEncoding encoding);  // "tcvn3", "vni"
// Throws Error(InvalidArgument) "<what>: 'abc' is not one of: tcvn3, vni".
LegacyEncoding parse_legacy_encoding(std::string_view name, std::string_view what = "legacy");

// Converts text whose letters are legacy codes read as Latin-1 characters
// into Unicode (NFC). Characters that are not legacy codes pass unchanged,
// and so does a VNI mark byte that does not follow a letter it can go on
// ("bù" stays "bù"; a circumflex goes on a, e, o, a breve on a only).
//   legacy_to_unicode("ViÖt Nam", LegacyEncoding::Tcvn3) == "Việt Nam"
//   legacy_to_unicode("Vieät Nam", LegacyEncoding::Vni) == "Việt Nam"
std::string legacy_to_unicode(std::string_view text, LegacyEncoding encoding);

// The reverse, for tests and for reproducing what old documents hold. The
// input may be in any normalisation form. VNI encodes every Vietnamese letter
// in its canonical spelling: base + one mark byte in the base's case; đ, ơ,
// ư, the toned i letters and ỵ as single bytes. TCVN3 has no code for most
// toned capitals: such a capital is written as its lower-case code, as ABC
// documents did (they drew capitals with separate capital fonts), so
// "VIỆT NAM" becomes "VIÖT NAM". Characters with no code pass unchanged.
std::string unicode_to_legacy(std::string_view text, LegacyEncoding encoding);

// Which legacy encoding the text looks like, or nullopt when it looks like
// Unicode (or plain ASCII). Rules, in order:
//  1. No "foreign" character -> nullopt. Foreign: U+00A1..U+00FF except the
//     Latin-1 letters Vietnamese uses (ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý).
//     This keeps "hoà", "hoá" (o + a VNI-looking mark) as Unicode.
//  2. A Vietnamese letter or mark beyond Latin-1 (ă đ ơ ư ệ, U+0300 ...) ->
//     nullopt: a Latin-1 reading of legacy bytes never holds one.
//  3. VNI when the text has a base + mark pair that VNI allows and reading it
//     as VNI leaves no foreign character.
//  4. TCVN3 when reading it as TCVN3 leaves no foreign character.
//  5. Otherwise nullopt.
// Short cells can be ambiguous: TCVN3 "Uû" (Uỷ) is also VNI "Ủ" and is
// reported as VNI; a word like TCVN3 "quèc" alone holds no foreign character.
std::optional<LegacyEncoding> detect_legacy(std::string_view text);

}  // namespace khung
