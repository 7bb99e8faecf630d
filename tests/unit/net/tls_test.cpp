// TLS against a real OpenSSL server (`openssl s_server`), with a CA and certificates made
// for the test: verification on, host names checked.

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "net_fixture.hpp"

using namespace parley;
namespace fs = std::filesystem;

namespace {

int run(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str());
}

class TlsTest : public parley::test::NetTest {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("parley-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto d = dir.string();
    ASSERT_EQ(run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=parley-test-ca -keyout " + d +
                  "/ca.key -out " + d + "/ca.pem"),
              0);
    std::ofstream(dir / "ext.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    ASSERT_EQ(run("openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + d + "/srv.key -out " +
                  d + "/srv.csr"),
              0);
    ASSERT_EQ(run("openssl x509 -req -in " + d + "/srv.csr -CA " + d + "/ca.pem -CAkey " + d +
                  "/ca.key -CAcreateserial -days 2 -extfile " + d + "/ext.cnf -out " + d + "/srv.pem"),
              0);
    port = 20000 + (::getpid() % 20000);
    pid = ::fork();
    if (pid == 0) {
      auto p = std::to_string(port);
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-accept", p.c_str(), "-cert",
               (d + "/srv.pem").c_str(), "-key", (d + "/srv.key").c_str(), "-www",
               static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    // Wait until it accepts connections.
    for (int i = 0; i < 100; ++i) {
      if (run("openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " </dev/null") == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    NetTest::SetUp();
  }
  void TearDown() override {
    NetTest::TearDown();
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    fs::remove_all(dir);
  }

  net::http_outcome get_with(const std::string& host, bool trust_ca) {
    auto ctx = net::make_client_tls_context({trust_ca ? (dir / "ca.pem").string() : ""}).value();
    net::http_client c{io.context(), ctx};
    std::promise<net::http_outcome> p;
    auto req = get("https://" + host + ":" + std::to_string(port) + "/");
    c.send(req, [&p](net::http_outcome o) { p.set_value(std::move(o)); });
    return p.get_future().get();
  }

  fs::path dir;
  int port = 0;
  pid_t pid = -1;
};

}  // namespace

TEST_F(TlsTest, VerifiedConnectionWithTheExtraCa) {
  auto out = get_with("localhost", true);
  ASSERT_TRUE(out.ok()) << out.error_text;
  EXPECT_EQ(out.response.status, 200);
  auto by_ip = get_with("127.0.0.1", true);
  ASSERT_TRUE(by_ip.ok()) << by_ip.error_text;
}

TEST_F(TlsTest, UntrustedCertificateIsRefused) {
  auto out = get_with("localhost", false);
  EXPECT_EQ(out.error, net::net_errc::tls);
  EXPECT_NE(out.error_text.find("certificate verify failed"), std::string::npos) << out.error_text;
}

TEST_F(TlsTest, HostNameMismatchIsRefused) {
  // 127.0.0.2 reaches the same server (loopback), but the certificate does not name it.
  auto out = get_with("127.0.0.2", true);
  EXPECT_EQ(out.error, net::net_errc::tls) << out.error_text;
}

TEST(TlsContext, MissingCaFileIsAnError) {
  auto ctx = net::make_client_tls_context({"/nonexistent/ca.pem"});
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}
