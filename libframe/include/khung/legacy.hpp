#pragma once
// Legacy Vietnamese encodings. Before Unicode, offices typed Vietnamese with
// TCVN3 (ABC, TCVN 5712:1993 VN3) and VNI fonts: one byte per letter (TCVN3)
// or a base letter followed by a byte for its marks (VNI), shown right only
// in their own fonts. Read as Windows-1252/Latin-1 text, as spreadsheets
// export them, they look like mojibake: "ViÖt Nam" (TCVN3) or "Vieät Nam"
// (VNI) for "Việt Nam".

#include <optional>
#include <string>
#include <string_view>

namespace khung {

enum class LegacyEncoding { Tcvn3, Vni };

const char* legacy_name(LegacyEncoding encoding);  // "tcvn3", "vni"

// Converts text whose letters are legacy codes read as Latin-1 characters
// into Unicode (NFC). Characters that are not legacy codes pass unchanged.
//   legacy_to_unicode("ViÖt Nam", LegacyEncoding::Tcvn3) == "Việt Nam"
std::string legacy_to_unicode(std::string_view text, LegacyEncoding encoding);

// The reverse, for tests and for reproducing what old documents hold. A
// letter the encoding cannot represent (TCVN3 has no capitals with tone
// marks) is written as its lower-case form.
std::string unicode_to_legacy(std::string_view text, LegacyEncoding encoding);

// Which legacy encoding the text looks like, or nullopt when it looks like
// Unicode (or plain ASCII). Text counts as legacy only when it holds Latin-1
// characters that Vietnamese never uses (µ ¸ Ö ø ï ...) and the encoding
// explains them all.
std::optional<LegacyEncoding> detect_legacy(std::string_view text);

}  // namespace khung
