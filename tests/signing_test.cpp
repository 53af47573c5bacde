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

// The expected strings are what a browser's `new URL(url, origin)` gives
// (pathname + search), taken from Node 18's WHATWG URL.
TEST_CASE("a URL is signed in the form a browser sends it", "[signing][browser]") {
  const std::string key = "bí mật của công đoàn";
  const std::string typed = "/v1/render/cover?unit=Công đoàn";
  const std::string sent = "/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n";  // new URL(typed)
  CHECK(browser_form(typed) == sent);
  // Typed or already encoded, the same signed URL, which starts with what
  // the browser sends.
  const std::string signed_url = sign_url(typed, key);
  CHECK(signed_url == sign_url(sent, key));
  REQUIRE(signed_url.rfind(sent + "&sig=", 0) == 0);
  // The browser sends the signed URL as it is; the server checks those bytes.
  const std::string sig = signed_url.substr(sent.size() + 1);
  CHECK(check_signature("/v1/render/cover", "unit=C%C3%B4ng%20%C4%91o%C3%A0n&" + sig, key) == SignatureCheck::Valid);
  // The raw form, had it been sent byte for byte, is not what was signed.
  CHECK(check_signature("/v1/render/cover", "unit=Công đoàn&" + sig, key) == SignatureCheck::Invalid);

  // Vietnamese in NFC, a no-break space, '+', several parameters.
  CHECK(browser_form("/v1/render/post?name=Nguyễn Thị \u00A0Phượng&unit=Tổ 1+2&format=png") ==
        "/v1/render/post?name=Nguy%E1%BB%85n%20Th%E1%BB%8B%20%C2%A0Ph%C6%B0%E1%BB%A3ng&unit=T%E1%BB%95%201+2&format=png");
  // Escapes already there are kept as written (lower-case hex too), never
  // encoded twice.
  CHECK(browser_form("/v1/render/cover?unit=C%C3%B4ng%20%c4%91o%C3%A0n") ==
        "/v1/render/cover?unit=C%C3%B4ng%20%c4%91o%C3%A0n");
  // The path is encoded as well.
  CHECK(browser_form("/v1/render/Đ đ/x y?a=b") == "/v1/render/%C4%90%20%C4%91/x%20y?a=b");
}

TEST_CASE("the browser form keeps the values and no browser changes it", "[signing][browser]") {
  // A browser would send "50%" raw (read back as an escape), cut the URL at
  // '#', and leave ` { } | ^ [ ] \ as they are (some browsers do not).
  // Encoded, the values survive and the URL is its own browser form: new
  // URL() gives back exactly this.
  const std::string typed = R"(/v1/render/cover?unit=50%25 off, 50% more "quoted" <b> it's #1&x=`{}|^[]\)";
  const std::string form =
      "/v1/render/cover?unit=50%25%20off,%2050%25%20more%20%22quoted%22%20%3Cb%3E%20it%27s%20%231&x=%60%7B%7D%7C%5E%5B%5D%5C";
  CHECK(browser_form(typed) == form);
  CHECK(browser_form(form) == form);
  // Control characters (a browser drops tabs and line ends) and DEL.
  CHECK(browser_form("/x?a=1\t2\n3\x7F") == "/x?a=1%092%0A3%7F");
  // Nothing to do: the URL comes back as it was.
  CHECK(browser_form("/v1/render/web-banner") == "/v1/render/web-banner");
  CHECK(browser_form("/a/b?c=d&e=f+g;h:i@j/k?l=m!$()*,~._-") == "/a/b?c=d&e=f+g;h:i@j/k?l=m!$()*,~._-");

  CHECK_THROWS_WITH(browser_form("/x?unit=C\xF4ng"), "url: invalid UTF-8 at byte 9");
  // A browser removes dot segments, so the server would see another path.
  for (const char* dots : {"/v1/render/../admin", "/v1/./render/cover", "/v1/render/%2E%2e/x?a=b", "/v1/render/."})
    CHECK_THROWS_WITH(browser_form(dots), "url '" + std::string(dots) +
                                              "': a '.' or '..' segment, which a browser would remove from the path");
  // Dots inside a name, or in the query, are not segments.
  CHECK(browser_form("/v1/render/my.banner?x=../y") == "/v1/render/my.banner?x=../y");
  CHECK_THROWS_WITH(sign_url("/v1/../x", "k"),
                    "url '/v1/../x': a '.' or '..' segment, which a browser would remove from the path");
}
