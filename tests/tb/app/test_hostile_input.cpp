// Hostile input (a review of crashes and wrong exit codes): every case must end in exit code 2
// with one line `slqsim: error: <file>: <position>: <reason>`, never a crash, a hang or exit 1.
// Also the library-level guards behind the command-line checks.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "models/errors.h"
#include "models/io/idx.h"
#include "models/nn/net_runner.h"
#include "models/io/onnx_model.h"
#include "tests/models/io/onnx_test_util.h"
#include "models/nn/qnet.h"
#include "tb/app/options.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;
using test::Result;
using test::slqsim;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

// ---- small inputs ----

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

// A data set directory with `images` test and training images of rows x cols pixels (plain IDX).
std::string write_dataset(const TempDir& dir, const std::string& name, uint32_t rows, uint32_t cols,
                          uint32_t images = 3, uint32_t train_images = 3) {
  const std::string d = dir / name;
  fs::create_directories(d);
  for (const auto& [prefix, count] : {std::pair<std::string, uint32_t>{"t10k", images}, {"train", train_images}}) {
    std::string pixels(size_t(count) * rows * cols, '\0');
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = char(i * 37 % 256);
    std::ofstream(d + "/" + prefix + "-images-idx3-ubyte", std::ios::binary)
        << be32(0x803) + be32(count) + be32(rows) + be32(cols) + pixels;
    std::string labels(count, '\0');
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = char(i % 10);
    std::ofstream(d + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary) << be32(0x801) + be32(count) + labels;
  }
  return d;
}

using test::float_tensor;

// Input {batch, dims...} -> Flatten -> Gemm(inputs -> outputs, transB = 1) -> y, weights w[o][i].
std::string write_dense_model(const TempDir& dir, const std::string& name, std::vector<int64_t> dims, int64_t outputs,
                              float weight = 0.01f, float bias = 0.f) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* g = model.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = in->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->add_dim()->set_dim_param("batch");
  int64_t inputs = 1;
  for (int64_t d : dims) {
    shape->add_dim()->set_dim_value(d);
    inputs *= d;
  }
  g->add_output()->set_name("y");
  auto* flat = g->add_node();
  flat->set_op_type("Flatten");
  flat->set_name("flat");
  flat->add_input("x");
  flat->add_output("f");
  auto* gemm = g->add_node();
  gemm->set_op_type("Gemm");
  gemm->set_name("fc");
  for (const char* s : {"f", "w", "b"}) gemm->add_input(s);
  gemm->add_output("y");
  auto* attr = gemm->add_attribute();
  attr->set_name("transB");
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(1);
  std::vector<float> w(size_t(outputs * inputs));
  for (size_t i = 0; i < w.size(); ++i) w[i] = weight * float(int(i % 7) - 3);
  *g->add_initializer() = float_tensor("w", {outputs, inputs}, w);
  *g->add_initializer() = float_tensor("b", {outputs}, std::vector<float>(size_t(outputs), bias));
  std::string bytes;
  model.SerializeToString(&bytes);
  const std::string path = dir / (name + ".onnx");
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

void expect_input_error(const Result& r, const std::string& args, const std::vector<std::string>& needles) {
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("slqsim: error: ", 0), 0u) << args << "\n" << r.err;
  for (const std::string& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << n << " in\n" << args << "\n" << r.err;
}

}  // namespace

// ---- 1. images of another size than the model's input ----

// The shipped LeNet (1x28x28) with 27x29 images: a heap read out of bounds in compare (im2col),
// exit 1 in run; a dense-first model (784 inputs) with 29x28 images: a heap write out of bounds.
TEST(HostileInput, ImagesOfAnotherSizeThanTheModelInput) {
  TempDir dir;
  const std::string odd = write_dataset(dir, "odd", 27, 29);
  const std::string tall = write_dataset(dir, "tall", 29, 28);
  const std::string dense = write_dense_model(dir, "dense", {784}, 10);
  const std::string vcd = " --vcd '" + (dir / "x.vcd") + "'";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"run --model '" + test::kModel + "' --images 2 --sim-mode model --data-dir '" + odd + "'",
       {odd + "/t10k-images-idx3-ubyte", "27x29 (783 values)", "1x28x28 (784 values)"}},
      {"compare --model '" + test::kModel + "' --layer 0_Conv --data-dir '" + odd + "'" + vcd,
       {odd + "/t10k-images-idx3-ubyte", "27x29", "1x28x28"}},
      {"compare --model '" + test::kModel + "' --layer 9_Gemm --data-dir '" + odd + "'" + vcd, {"27x29", "1x28x28"}},
      {"run --model '" + dense + "' --images 2 --sim-mode model --data-dir '" + tall + "'",
       {tall + "/t10k-images-idx3-ubyte", "29x28 (812 values)", "784 (784 values)"}},
      {"compare --model '" + dense + "' --layer fc --data-dir '" + tall + "'" + vcd,
       {tall + "/t10k-images-idx3-ubyte", "29x28 (812 values)", "784 (784 values)"}},
  };
  for (const auto& [args, needles] : cases) expect_input_error(slqsim(dir, args), args, needles);
  EXPECT_FALSE(fs::exists(dir / "x.vcd"));

  // The same number of pixels in another geometry is no C,H,W image of the model either.
  const std::string wide = write_dataset(dir, "wide", 14, 56);
  const std::string args = "run --model '" + test::kModel + "' --images 1 --sim-mode model --data-dir '" + wide + "'";
  expect_input_error(slqsim(dir, args), args, {"14x56 (784 values)", "1x28x28 (784 values)"});

  // A training set of another size than the test set is checked as well (it is read for calibration).
  const std::string mixed = write_dataset(dir, "mixed", 28, 28);
  fs::copy_file(odd + "/train-images-idx3-ubyte", mixed + "/train-images-idx3-ubyte",
                fs::copy_options::overwrite_existing);
  const std::string margs = "run --model '" + test::kModel + "' --images 1 --sim-mode model --data-dir '" + mixed + "'";
  expect_input_error(slqsim(dir, margs), margs, {mixed + "/train-images-idx3-ubyte", "27x29"});
}

// The valid case of the data sets above still runs (the check is not over-eager).
TEST(HostileInput, ImagesOfTheModelInputSizeRun) {
  TempDir dir;
  const std::string tall = write_dataset(dir, "tall", 29, 28);
  const std::string dense = write_dense_model(dir, "dense", {812}, 10);
  const std::string args = "run --model '" + dense + "' --images 3 --sim-mode model --encodings lq --data-dir '" + tall +
                           "' --report-dir '" + (dir / "rep") + "'";
  const Result r = slqsim(dir, args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  EXPECT_TRUE(fs::exists(dir / "rep/summary.json"));
}

// The library guards behind the command-line check: NetworkRunner and calibrate throw instead
// of reading or writing out of bounds, whoever calls them.
TEST(HostileInput, RunnerAndCalibrationCheckTheDataSet) {
  const Network net = load_onnx(test::kModel);
  Dataset data;
  data.path = "odd/t10k-images-idx3-ubyte";
  data.rows = 27;
  data.cols = 29;
  data.pixels.assign(2 * 27 * 29, 100);
  data.labels = {1, 2};
  try {
    check_dataset(net, data);
    FAIL() << "no error for 27x29 images";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), data.path);
    EXPECT_NE(e.reason().find("27x29"), std::string::npos) << e.what();
  }
  EXPECT_THROW(calibrate(net, data, 2, 8), InputError);

  tb::Options o;
  o.encodings = "lq";
  std::vector<EncodingRun> runs = o.encoding_runs(net);
  Dataset good = load_fashion_mnist(kFashionMnistDir, true, 4);
  const Calibration cal = calibrate(net, good, good.size(), o.stream_bits);
  NetworkRunner runner(net, cal, o.array(), runs, false);
  GoldenExecutor golden(o.array());
  EXPECT_THROW(runner.run_batch(data, 0, 2, golden), InputError);
  EXPECT_THROW(runner.run_batch(good, 3, 2, golden), std::out_of_range);  // images 3..4 of 4
  EXPECT_THROW(pixels_to_activations(good, 4, 8), std::out_of_range);
  runner.run_batch(good, 0, 4, golden);
  EXPECT_EQ(runs[0].predictions.size(), 4u);

  // No training images: an input error, not a division by zero in the activation scales.
  Dataset empty = good;
  empty.pixels.clear();
  empty.labels.clear();
  try {
    calibrate(net, empty, 256, 8);
    FAIL() << "no error for an empty training set";
  } catch (const InputError& e) {
    EXPECT_NE(e.reason().find("no training images"), std::string::npos) << e.what();
  }
}

// A requantized NaN is 0, never an undefined float-to-unsigned cast.
TEST(HostileInput, RequantizeOfNanIsZero) {
  EXPECT_EQ(requantize(std::nan(""), 1.0, 8), 0u);
  EXPECT_EQ(requantize(1.0, 0.0, 8), 255u);
  EXPECT_EQ(requantize(-1.0, 0.0, 8), 0u);
  EXPECT_EQ(requantize(3.4, 1.0, 8), 3u);
}

// ---- 2. degenerate models and data sets ----

// A Gemm with 0 outputs divided by zero (SIGFPE) in encode and run; NaN weights were accepted.
TEST(HostileInput, DegenerateModelsAreInputErrors) {
  TempDir dir;
  const std::string empty = write_dense_model(dir, "empty", {784}, 0);
  const std::string nan = write_dense_model(dir, "nan", {784}, 10, std::nanf(""));
  const std::string inf_bias = write_dense_model(dir, "infbias", {784}, 10, 0.01f, INFINITY);
  const std::string out = " --out '" + (dir / "images") + "'";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"encode --model '" + empty + "' --format lq" + out, {empty, "node 'fc'", "0 outputs"}},
      {"run --model '" + empty + "' --images 1 --sim-mode model", {empty, "node 'fc'", "0 outputs"}},
      {"encode --model '" + nan + "' --format lq" + out, {nan, "tensor 'w'", "NaN"}},
      {"run --model '" + inf_bias + "' --images 1 --sim-mode model", {inf_bias, "tensor 'b'", "infinite"}},
  };
  for (const auto& [args, needles] : cases) expect_input_error(slqsim(dir, args), args, needles);
  EXPECT_FALSE(fs::exists(dir / "images"));

  // The quantizer does not trust a Network built in code either.
  Network net;
  net.path = "built";
  Op op;
  op.kind = OpKind::dense;
  op.name = "fc";
  op.weight_shape = {0, 4};
  net.ops.push_back(op);
  tb::Options o;
  EXPECT_THROW(o.encoding_runs(net), InputError);
  net.ops[0].weight_shape = {1, 2};
  net.ops[0].weight = {0.5f, std::nanf("")};
  EXPECT_THROW(o.encoding_runs(net), InputError);
}

// A training set of no images ran to the end with a division by zero in the activation scales.
TEST(HostileInput, EmptyTrainingSetIsAnInputError) {
  TempDir dir;
  const std::string data = write_dataset(dir, "notrain", 28, 28, 3, 0);
  const std::string args = "run --model '" + test::kModel + "' --images 2 --sim-mode model --data-dir '" + data +
                           "' --report-dir '" + (dir / "rep") + "'";
  expect_input_error(slqsim(dir, args), args, {data + "/train-images-idx3-ubyte", "no training images"});
  EXPECT_FALSE(fs::exists(dir / "rep"));
  const std::string cargs = "compare --model '" + test::kModel + "' --layer 3_Conv --data-dir '" + data + "' --vcd '" +
                            (dir / "x.vcd") + "'";
  expect_input_error(slqsim(dir, cargs), cargs, {"no training images"});
}

// ---- 4. exit 1 instead of 2 ----

// A sidecar number JSON cannot hold (1e999) escaped as nlohmann's out_of_range (exit 1); type
// errors leaked "[json.exception.type_error.302]"; 4294967301 wrapped to 5 bits.
TEST(HostileInput, SidecarValuesExitTwoNamingTheKey) {
  TempDir dir;
  const Result encoded =
      slqsim(dir, "encode --model '" + test::kModel + "' --format tag --out '" + (dir / "img") + "'");
  ASSERT_EQ(encoded.exit_code, 0) << encoded.err;
  const std::string hex = dir / "img/0_Conv.tag.hex", side = dir / "img/0_Conv.tag.json";
  const std::string good = test::read_text(side);
  ASSERT_EQ(slqsim(dir, "decode '" + hex + "'").exit_code, 0);
  auto with = [&](const std::string& key, const std::string& value) {
    const std::string pattern = "\"" + key + "\": ";
    const size_t at = good.find(pattern);
    EXPECT_NE(at, std::string::npos) << key;
    const size_t end = good.find_first_of(",\n", at + pattern.size());
    std::ofstream(side, std::ios::binary) << good.substr(0, at + pattern.size()) + value + good.substr(end);
  };
  const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> cases = {
      {"memory_words", "1e999", {side, "invalid JSON", "number overflow"}},
      {"word_bits", "4294967301", {side, "key 'word_bits'", "2..8", "4294967301"}},
      {"word_bits", "5.9", {side, "key 'word_bits'", "got 5.9"}},
      {"word_bits", "\"five\"", {side, "key 'word_bits'", "got a string"}},
      {"memory_words", "-1", {side, "key 'memory_words'", "got -1"}},
  };
  for (const auto& [key, value, needles] : cases) {
    with(key, value);
    const Result r = slqsim(dir, "decode '" + hex + "'");
    expect_input_error(r, key + ": " + value, needles);
    EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
  }
}

// compare --timeline naming a directory failed in the final rename (exit 1) and left
// DIR.partial behind; --config naming a directory is covered in test_cli.cpp.
TEST(HostileInput, OutputFileNamingADirectoryExitsTwoAndLeavesNothing) {
  TempDir dir;
  fs::create_directories(dir / "tl");
  fs::create_directories(dir / "js");
  fs::create_directories(dir / "w.vcd");
  const std::string synthetic = "compare --synthetic 4x8 --encodings tag,lq ";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {synthetic + "--vcd '" + (dir / "x.vcd") + "' --timeline '" + (dir / "tl") + "'",
       {"--timeline", dir / "tl", "is a directory"}},
      {synthetic + "--vcd '" + (dir / "x.vcd") + "' --json '" + (dir / "js") + "'", {"--json", "is a directory"}},
      {synthetic + "--vcd '" + (dir / "w.vcd") + "'", {"--vcd", "is a directory"}},
      {"run --model '" + test::kModel + "' --images 1 --vcd '" + (dir / "w.vcd") + "'", {"--vcd", "is a directory"}},
  };
  for (const auto& [args, needles] : cases) expect_input_error(slqsim(dir, args), args, needles);
  EXPECT_FALSE(fs::exists(dir / "tl.partial"));
  EXPECT_FALSE(fs::exists(dir / "x.vcd"));
  EXPECT_TRUE(fs::is_empty(dir / "tl"));
  // The same command with a file name works, and leaves no .partial either.
  const Result ok = slqsim(dir, synthetic + "--vcd '" + (dir / "x.vcd") + "' --timeline '" + (dir / "t.csv") + "'");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(fs::is_regular_file(dir / "t.csv"));
  EXPECT_FALSE(fs::exists(dir / "t.csv.partial"));
}

// ---- 6. empty output paths and negative counts ----

// --report-dir '' wrote summary.json at the filesystem root; --images -1 was read as 2^64 - 1.
TEST(HostileInput, EmptyOutputPathsAndNegativeCountsAreRejected) {
  TempDir dir;
  const std::string run = "run --model '" + test::kModel + "' --sim-mode model ";
  const std::string compare = "compare --model '" + test::kModel + "' --layer 0_Conv --vcd '" + (dir / "x.vcd") + "' ";
  std::ofstream(dir / "empty_dir.yaml") << "report-dir: ''\n";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {run + "--images 1 --report-dir ''", {"--report-dir", "empty path"}},
      {run + "--images 1 --dump-dir ''", {"--dump-dir", "empty path"}},
      {run + "--images 1 --vcd ''", {"--vcd", "empty path"}},
      {run + "--images 1 --config '" + (dir / "empty_dir.yaml") + "'", {"empty_dir.yaml", "line 1", "empty path"}},
      {"encode --model '" + test::kModel + "' --format lq --out ''", {"--out", "empty path"}},
      {"compare --synthetic 4x8 --vcd ''", {"--vcd", "empty path"}},
      {"compare --synthetic 4x8 --vcd '" + (dir / "x.vcd") + "' --timeline ''", {"--timeline", "empty path"}},
      {"compare --synthetic 4x8 --vcd '" + (dir / "x.vcd") + "' --json ''", {"--json", "empty path"}},
      {run + "--images -1", {"--images", "must not be negative, got -1"}},
      {run + "--images 1 --seed -5", {"--seed", "negative"}},
      {compare + "--image -1", {"--image", "negative"}},
      {compare + "--top -2", {"--top", "negative"}},
      {compare + "--tile -3", {"--tile", "negative"}},
  };
  for (const auto& [args, needles] : cases) {
    const Result r = slqsim(dir, args);
    expect_input_error(r, args, needles);
    EXPECT_EQ(r.err.find("18446744073709551"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "x.vcd"));
  EXPECT_FALSE(fs::exists("/summary.json"));
}
