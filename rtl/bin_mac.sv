// The binary baseline for the SC lane's synthesis rows (docs/rtl.md): an 8-bit signed weight
// times an 8-bit unsigned activation, added each cycle into a signed A-bit saturating
// accumulator, one product per cycle. Synthesized the same way as the SC lane (tools/synth.sh);
// not co-simulated (slqsim has no per-cycle binary array, only the cost model's baseline).
module bin_mac #(
    parameter int WB = 8,   // weight bits (signed)
    parameter int AB = 8,   // activation bits (unsigned)
    parameter int A = 24    // accumulator bits
) (
    input  logic                 clk,
    input  logic                 rst,
    input  logic                 clear,
    input  logic                 en,
    input  logic signed [WB-1:0] w,
    input  logic [AB-1:0]        a,
    output logic signed [A-1:0]  acc,
    output logic                 clipped
);
  logic signed [WB+AB:0] product;
  logic signed [A:0]     base, sum;
  assign product = w * $signed({1'b0, a});
  assign base = clear ? '0 : {acc[A-1], acc};
  assign sum = en ? base + (A + 1)'(product) : base;
  always_ff @(posedge clk) begin
    if (rst) begin
      acc <= '0;
      clipped <= 1'b0;
    end else if (sum > $signed({2'b00, {(A - 1) {1'b1}}})) begin
      acc <= {1'b0, {(A - 1) {1'b1}}};
      clipped <= 1'b1;
    end else if (sum < $signed({2'b11, {(A - 1) {1'b0}}})) begin
      acc <= {1'b1, {(A - 1) {1'b0}}};
      clipped <= 1'b1;
    end else begin
      acc <= sum[A-1:0];
    end
  end
endmodule
