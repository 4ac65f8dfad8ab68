// Uses the installed libraries: finds the data folder the package config names and reads its energy tables.
#include <iostream>
#include <string>
#include <vector>

#include "spikeworm/app/data_dir.hpp"
#include "spikeworm/core/error.hpp"
#include "spikeworm/deploy/energy_table.hpp"

int main() {
  try {
    const auto dir = spikeworm::app::find_data_dir(DATA_DIR, {}, {});
    const auto tables = spikeworm::load_energy_tables((dir / "configs" / "energy").string(), std::vector<std::string>{});
    std::cout << "consumer: " << tables.size() << " energy tables in " << dir.string() << "\n";
    return tables.empty() ? 1 : 0;
  } catch (const spikeworm::error& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
}
