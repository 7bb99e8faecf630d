#pragma once
// VoIPBIN signs webhook bodies: X-VoIPBIN-Signature: sha256=<hex HMAC-SHA256(body, secret)>
// (voipbin-api.md §6.1).

#include <string>
#include <string_view>

namespace parley::voipbin {

// The header value for `body`: "sha256=" + lower-case hex.
std::string webhook_signature(std::string_view secret, std::string_view body);

// True if `header` is the signature of `body`. Compares in constant time.
bool verify_webhook_signature(std::string_view secret, std::string_view body, std::string_view header);

}  // namespace parley::voipbin
