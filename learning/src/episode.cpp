// The episode loop shared by training, evaluation and deployment.
#include "spikeworm/learning/episode.hpp"

namespace spikeworm {

std::size_t play_episode(envs::environment& env, std::uint64_t env_seed, const encoder& enc, int enc_steps,
                         rng& enc_rng, episode_player& player) {
  env.reset(env_seed);
  std::size_t n = 0;
  while (!env.done()) {
    const auto obs = envs::to_array(env.observe());
    const auto in = player.input(n);
    enc.encode(obs, enc_steps, enc_rng, in);
    const int a = player.act(n, in);
    player.stepped(n, env.step(static_cast<envs::action>(a)));
    ++n;
  }
  return n;
}

int greedy_action(std::span<const double> logits) {
  int best = 0;
  for (int a = 1; a < static_cast<int>(logits.size()); ++a)
    if (logits[a] > logits[best]) best = a;
  return best;
}

}  // namespace spikeworm
