// Float reference inference of a Network on one image: the accuracy the accelerator is compared to.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/nn/network.h"

namespace slq {

// Runs all ops on one image (input in C,H,W order, size = product of net.input_shape) and returns
// the last op's output. When per_op_outputs is given it receives every op's output, indexed by op.
// Throws std::invalid_argument when the input size does not match the network.
std::vector<float> forward_float(const Network& net, const std::vector<float>& input_chw,
                                 std::vector<std::vector<float>>* per_op_outputs = nullptr);

// Index of the largest value; ties go to the lowest index (-1 for an empty vector).
int argmax(const std::vector<float>& values);

// The network input for 8-bit pixels, as the model was trained: pixel / 255.
std::vector<float> image_to_input(const uint8_t* pixels, size_t n);

}  // namespace slq
