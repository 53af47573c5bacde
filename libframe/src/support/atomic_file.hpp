#pragma once
// Writing a whole file so that readers see either the old file or the new
// one, never a part: a hidden temporary file beside it, then a rename.

#include <cstdint>
#include <filesystem>
#include <span>

namespace khung::detail {

// Writes ".<name>.tmp-<random>" in the target's folder and renames it over
// `path`. Throws Error(Io) "output '<path>': <reason>" and leaves nothing
// behind on failure.
void write_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> data);

// True for the name of a temporary file write_atomically() creates, and
// `target` gets the name of the file it was to become.
bool is_temporary_file(const std::filesystem::path& path, std::string* target = nullptr);

}  // namespace khung::detail
