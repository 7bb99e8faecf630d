// A parley binary with one extra brain behaviour, built the way docs/extending.md shows: the
// extension point under test.

#include <caf/all.hpp>
#include <cctype>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/messages.hpp"
#include "app/server.hpp"

namespace {

// Answers with the caller's words in capitals, as two sentences.
caf::behavior shouting_brain(caf::event_based_actor* self, parley::brain_context ctx) {
  auto out = std::make_shared<parley::brain_output<caf::event_based_actor*>>(self, ctx.parent);
  return {
      [=](parley::atoms::think, uint64_t epoch, const parley::chat_history& history) {
        std::string heard = history.back().content;
        for (auto& c : heard) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out->first_token(epoch);
        out->sentence(epoch, "I HEARD YOU.");
        out->sentence(epoch, heard);
        out->done(epoch, "I HEARD YOU. " + heard);
      },
      [=](parley::atoms::cancel, uint64_t) {},
  };
}

}  // namespace

int main(int argc, char** argv) {
  parley::brain_registry::global().add("shout", shouting_brain);
  return parley::run_parley(argc, argv);
}
