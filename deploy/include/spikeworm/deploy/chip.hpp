// Neuromorphic chip profiles (docs/deployment.md): capacity, precision, timing and energy of one chip, read
// from configs/chips/*.toml (every value there carries its source in a comment), and its per-core limits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spikeworm/deploy/mapper.hpp"

namespace spikeworm {

struct chip_profile {
  std::string id;    // file stem: loihi, truenorth, ...
  std::string file;  // the profile it was read from
  std::string name;  // for reports
  // capacity (0: no limit)
  std::int64_t cores = 1;
  int mesh_w = 1, mesh_h = 1;        // tiles on the 2-D mesh
  int cores_per_tile = 1;            // cores sharing one mesh router (0 hops between them)
  std::int64_t neurons_per_core = 0;
  std::int64_t axons_in_per_core = 0;
  std::int64_t axons_out_per_core = 0;
  std::int64_t synapse_memory_bytes = 0;  // per core
  double synapse_bits = 8;                // memory per stored synapse [bits]
  int targets_per_neuron = 0;             // destination axons one neuron may address (TrueNorth: 1)
  // precision
  bool ternary = false;          // binary crossbar with signed axon types: weights -a, 0, +a per projection
  int weight_bits = 8;           // signed weights: -(2^(b-1) - 1) .. 2^(b-1) - 1
  int weight_shift_min = 0;      // weights enter the membrane shifted left by s in [min, max] (the exponent)
  int weight_shift_max = 0;
  int membrane_bits = 24;        // signed membrane, saturating
  int threshold_bits = 24;       // unsigned threshold
  int bias_bits = 16;            // signed bias mantissa
  int bias_shift_max = 0;        // bias = mantissa << e, e in [0, max]
  int decay_bits = 12;           // v <- v (2^D - delta) >> D; 0: no multiplicative decay (linear leak)
  int leak_bits = 0;             // linear leak (decay_bits = 0): signed leak per step
  // time
  double time_step_us = 0;       // fixed tick [us]; 0: asynchronous, the step lasts as long as its work
  double synop_ns = 0, update_ns = 0, hop_ns = 0, barrier_ns = 0;
  // energy [pJ]; energy_published = false: no per-operation energy is public (reports say so)
  bool energy_published = true;
  double synop_pj = 0, update_pj = 0, spike_pj = 0, hop_pj = 0;
  double static_mw = 0;          // static power of one chip [mW] (0: not modelled)
  // The host datapath of what the chip cannot do (the dense input layer of real-valued input, the readout,
  // the MLP baseline): an energy table of the host tables folder by id, or a .toml path (docs/energy.md).
  std::string host = "cmos45_fp32";
  // [energy_table]: the chip's table for `spikeworm energy` (id empty: the chip is not one of its tables).
  std::string energy_table_id, energy_table_name;
};

// Reads a profile; errors name the file, the key and the value.
chip_profile read_chip_profile(const std::string& path);
// configs/chips/<name>.toml under `dir`, or `name` itself when it is a path to a .toml file. The error for an
// unknown chip lists the known ones.
std::string chip_profile_path(const std::string& dir, const std::string& name);
std::vector<std::string> known_chips(const std::string& dir);

// The per-core limits the mapper keeps.
core_limits limits_of(const chip_profile& chip);

}  // namespace spikeworm
