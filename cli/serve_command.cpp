#include "commands.hpp"
#include "khung/signing.hpp"

#include <cstdlib>
#include <iostream>

namespace cli {

std::string signing_key(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("KHUNG_SIGNING_KEY");
  return env ? env : "";
}

CLI::App* add_sign_command(CLI::App& app, SignArgs& args) {
  auto* cmd = app.add_subcommand("sign", "Print the signed form of a render URL");
  cmd->add_option("url", args.url, "Path and query, for example '/v1/render/cover?unit=...'")->required();
  cmd->add_option("--key", args.key, "Signing key (default: $KHUNG_SIGNING_KEY)");
  return cmd;
}

int run_sign(const SignArgs& args) {
  std::string key = signing_key(args.key);
  if (key.empty()) throw usage("signing key: give --key or set KHUNG_SIGNING_KEY");
  std::cout << khung::sign_url(args.url, key) << "\n";
  return 0;
}

}  // namespace cli
