#include "khung/version.hpp"

namespace khung {

const char* version() noexcept { return KHUNG_VERSION; }

}  // namespace khung
