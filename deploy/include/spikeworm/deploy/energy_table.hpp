// Energy tables (docs/energy.md): energies per operation of a host datapath (configs/energy/*.toml, e.g. 45 nm
// CMOS) or of a neuromorphic chip (the [energy_table] of its profile in configs/chips, its energies the
// profile's synop_pj and update_pj, the dense parts on the profile's host datapath).
#pragma once

#include <string>
#include <vector>

#include "spikeworm/deploy/chip.hpp"

namespace spikeworm {

struct energy_table {
  std::string id;    // file stem, or a chip's [energy_table] id, e.g. cmos45_fp32, loihi, spinnaker1
  std::string name;  // e.g. "45 nm CMOS fp32"
  std::string file;  // the file it was read from (a chip's table: its profile)
  // cmos: an event-driven datapath: neuron updates are the ones performed; SRAM reads counted separately.
  // chip: a time-stepped neuromorphic chip: every neuron updated every step; memory inside the op figures.
  bool chip = false;
  double sop_pj = 0, neuron_update_pj = 0, mac_pj = 0;
  int weight_bits = 32, state_bits = 32;
  std::vector<double> sram_bytes, sram_read_pj;  // 64-bit read energy by array size (ascending sizes)
  // Energy of one 64-bit read from an array of `bytes` bytes: log-log interpolation between the listed
  // sizes, the first / last figure below / beyond them.
  double read_64bit_pj(double bytes) const noexcept;
};

// A host table (configs/energy/*.toml); errors name the file, line and key.
energy_table read_energy_table(const std::string& path);
// A host table by id in `tables_dir`, or `name` itself when it is a path to a .toml file; the error for an
// unknown one lists the known ones.
energy_table host_table(const std::string& tables_dir, const std::string& name);
// A chip's table: its synaptic and neuron-update energies on the chip, the dense parts on `host`.
energy_table chip_energy_table(const chip_profile& chip, const energy_table& host);

// The host tables in `tables_dir` and the tables of the chip profiles in `chips_dir` that carry an
// [energy_table] (their hosts read from `tables_dir`), sorted by id; or the named ones (id or path).
std::vector<energy_table> load_energy_tables(const std::string& tables_dir, const std::string& chips_dir,
                                             const std::vector<std::string>& names);
// As above, the chip profiles read from the `chips` folder beside `tables_dir` (configs/chips beside
// configs/energy; none when it does not exist).
std::vector<energy_table> load_energy_tables(const std::string& tables_dir, const std::vector<std::string>& names);

}  // namespace spikeworm
