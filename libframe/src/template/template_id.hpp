#pragma once
// What may name a template: its id is its file name without ".json".

#include <string_view>

namespace khung::detail {

// Lower-case ASCII letters, digits, '-' and '_', 1 to 64 of them, not
// starting with '-' or '_': an id never reaches outside its folder, and
// never reads as an option on a command line.
bool valid_template_id(std::string_view id);

// campaign.json sits beside the templates (campaign.hpp): never a template.
constexpr std::string_view kReservedId = "campaign";

}  // namespace khung::detail
