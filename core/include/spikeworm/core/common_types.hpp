// Index, time and value types shared by every spikeworm library.
#pragma once

#include <cstdint>

namespace spikeworm {

using neuron_id = std::uint32_t;   // global neuron (graph vertex) index
using edge_id = std::uint32_t;     // global synapse (graph edge) index
using step_t = std::int64_t;       // simulation time [steps of dt]
using delay_t = std::uint16_t;     // synaptic delay [steps], >= 1
using weight_t = float;            // synaptic weight as stored in the graph
using state_t = double;            // neuron state variables (membrane, currents)

enum class receptor : std::uint8_t { excitatory = 0, inhibitory = 1 };

}  // namespace spikeworm
