// Printed units (docs/energy.md, "Units"): energies scaled to pJ, nJ, µJ, mJ or J; JSON keeps raw numbers
// with the unit in the key name (energy_pj, rate_hz).
#pragma once

#include <string>

namespace spikeworm {

// An energy given in pJ, with two decimals in the largest unit that keeps the number >= 1 (after rounding):
// 999.99 pJ, 1.00 nJ, 5.49 mJ; 1000 mJ and above in J. Negative values keep their sign; non-finite ones print
// as they are ("inf pJ").
std::string format_energy(double pj);

}  // namespace spikeworm
