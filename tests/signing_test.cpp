#include "khung/error.hpp"
#include "khung/signing.hpp"

#include <catch2/catch.hpp>

using namespace khung;

TEST_CASE("SHA-256 and HMAC-SHA256 match published values", "[signing]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // HMAC-SHA256 of "/x" with the key "key", computed independently with
  // Python's hmac module.
  CHECK(sign_url("/x", "key") == "/x?sig=3bbfe2e8d1009bd02e6e2b5a4359c347f61b69a9a38596aa4dcd198aa75de4e1");
}

TEST_CASE("a signed URL verifies; any change does not", "[signing]") {
  const std::string key = "bí mật của công đoàn";
  const std::string url = "/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n&format=png";
  std::string good = sign_url(url, key);
  REQUIRE(good.rfind(url + "&sig=", 0) == 0);
  REQUIRE(good.size() == url.size() + 5 + 64);
  auto check = [&](const std::string& u) {
    auto q = u.find('?');
    return check_signature(u.substr(0, q), q == std::string::npos ? "" : u.substr(q + 1), key);
  };
  CHECK(check(good) == SignatureCheck::Valid);
  CHECK(check(url) == SignatureCheck::Missing);
  std::string tampered = good;
  tampered[good.find("png")] = 'j';  // one query character changed
  CHECK(check(tampered) == SignatureCheck::Invalid);
  CHECK(check(good + "&width=200") == SignatureCheck::Invalid);  // a parameter added
  CHECK(check(good + "&" + good.substr(good.find("sig="))) == SignatureCheck::Duplicated);
  CHECK(check(good.substr(0, good.size() - 1)) == SignatureCheck::Invalid);
  // The signature found by position: moving it to the front is still valid,
  // while a value that merely contains "sig=" is not mistaken for it.
  std::string sig = good.substr(good.find("sig="));
  CHECK(check("/v1/render/cover?" + sig + "&unit=C%C3%B4ng%20%C4%91o%C3%A0n&format=png") == SignatureCheck::Valid);
  std::string tricky = sign_url("/v1/render/cover?unit=xsig=1", key);
  CHECK(check(tricky) == SignatureCheck::Valid);
  CHECK(check_signature("/v1/render/post", good.substr(good.find('?') + 1), key) == SignatureCheck::Invalid);
  CHECK(check_signature(good.substr(0, good.find('?')), good.substr(good.find('?') + 1), "other key") ==
        SignatureCheck::Invalid);
  // A path with no query signs too.
  CHECK(check(sign_url("/v1/render/web-banner", key)) == SignatureCheck::Valid);
}

TEST_CASE("signing refuses what it cannot sign", "[signing]") {
  CHECK_THROWS_WITH(sign_url("/x", ""), "signing key: is empty");
  CHECK_THROWS_WITH(sign_url("v1/render/cover", "k"), "url 'v1/render/cover': must start with '/'");
  CHECK_THROWS_WITH(sign_url("/x?sig=00", "k"), "url '/x?sig=00': already signed");
}
