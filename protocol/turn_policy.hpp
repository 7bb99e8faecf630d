#pragma once
// The barge-in policy (DESIGN.md §4): given what the caller just did and what the agent is doing,
// decides whether to ignore it, hold the answer back, stop talking, or take a new turn.
// Pure data in, enum out, so every rule can be tested without a call.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::turn {

// What may interrupt the agent while it speaks (agent.barge-in = speech | interim | final).
enum class trigger { speech, interim, final_transcript };

struct barge_in_policy {
  trigger on = trigger::interim;
  std::size_t min_words = 2;  // agent.barge-in-min-words; 0 counts as 1 (an empty interim says nothing)
  // agent.backchannels. An entry may hold several words ("got it"); matching ignores case,
  // punctuation and hyphens ("Uh huh." matches "uh-huh").
  std::vector<std::string> backchannels = {"uh-huh", "mm-hmm", "yeah", "okay", "right", "sure"};
};

// Parses "speech" | "interim" | "final"; nullopt otherwise.
std::optional<trigger> parse_trigger(std::string_view text);
std::string_view to_string(trigger t);

enum class signal { speech_started, interim, final_transcript };

struct caller_event {
  signal kind;
  std::string_view direction;  // "in" = the caller; "out" = the agent's own voice coming back
  std::string_view text;       // interim/final text; empty for speech_started
};

enum class phase {
  listening,
  thinking,  // the model is working on an answer and nothing of it has been said yet
  speaking,  // some of the answer has been handed to TTS and the caller has not finished hearing it
  ending,
};

enum class action {
  ignore,           // nothing to do
  hold,             // thinking: the caller is still talking; hold the answer back (do not start saying it)
  barge_in,         // speaking: stop talking now (flush), keep listening; the final will come later
  answer,           // listening: a final transcript starts a new turn
  barge_in_answer,  // speaking: stop talking and answer this final
  merge,  // thinking: another final before anything was said: restart the request with both texts as one turn
};

action decide(const caller_event& ev, phase now, const barge_in_policy& policy);

std::string_view to_string(signal s);
std::string_view to_string(phase p);
std::string_view to_string(action a);

// Words of a transcript as the policy counts them: ASCII lower-cased, punctuation stripped,
// hyphenated and apostrophe words kept whole ("uh-huh", "don't"), digit groups kept whole ("3.5").
// Non-ASCII letters are kept as they are; common non-ASCII punctuation ("¿", "¡", "…", curly
// quotes, dashes) separates words, and a curly apostrophe inside a word becomes "'".
std::vector<std::string> words_of(std::string_view text);

// True when the text is nothing but backchannels, possibly repeated or mixed ("yeah yeah",
// "okay, sure", "okay got it" when "got it" is an entry); false for text without words.
bool is_backchannel(std::string_view text, const barge_in_policy& policy);

}  // namespace parley::turn
