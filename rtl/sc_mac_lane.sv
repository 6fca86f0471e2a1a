// One SC MAC lane, synthesizable SystemVerilog: the RTL twin of one lane of hw::MacArray
// (docs/arithmetic.md). A stream generator (LD counter-and-MUX, or a maximal-length Fibonacci
// LFSR) turns the term's activation into stream bits, B per cycle, and a signed A-bit saturating
// up/down counter counts the ones, up for a positive term and down for a negative one.
//
// Per clock edge, in this order (the controller's order in a cycle that starts a term):
//   clear: the counter is cleared (a new output row);
//   load:  a term starts: activation, sign, its stream bits n and (LFSR) the lane's seed; the
//          bit counter t restarts at 0 and the LFSR at the seed;
//   step:  one array cycle: the stream bits t .. min(t + B, n) - 1 are counted into the counter,
//          saturating at [-2^(A-1), 2^(A-1) - 1].
// acc is the counter after the edge; clipped is set once the current term has clipped it.
// LD: bit t is act[N-1-z], z = trailing zeros of t+1 (0 when z >= N).
// LFSR: bit = act > state - 1, then state = (state << 1) | parity(state & TAPS).
module sc_mac_lane #(
    parameter int N = 8,            // stream bits (activation bits)
    parameter int B = 1,            // stream bits per cycle
    parameter int A = 24,           // counter bits
    parameter int SNG = 0,          // 0 LD, 1 LFSR
    parameter logic [N-1:0] TAPS = 8'hB8  // LFSR taps for N (0xB8 for N = 8)
) (
    input  logic                clk,
    input  logic                rst,
    input  logic                clear,
    input  logic                load,
    input  logic [N-1:0]        act,
    input  logic                negative,
    input  logic [N:0]          nbits,
    input  logic [N-1:0]        seed,
    input  logic                step,
    output logic signed [A-1:0] acc,
    output logic                clipped
);
  localparam int TB = N + 2;  // bit counter width (t + B never wraps for B <= 2^N)
  localparam int OB = $clog2(B + 1);

  logic [N-1:0]  act_q, lfsr_q;
  logic          neg_q;
  logic [N:0]    nbits_q;
  logic [TB-1:0] t_q;

  logic [N-1:0]  c_act, c_s;
  logic          c_neg, c_clip, c_found;
  logic [TB-1:0] c_n, c_t, c_idx;
  logic [OB-1:0] c_ones;
  logic signed [A:0] c_sum, c_delta;
  logic signed [A-1:0] c_base;
  integer j, k;

  always_comb begin
    c_act = load ? act : act_q;
    c_neg = load ? negative : neg_q;
    c_n = load ? TB'(nbits) : TB'(nbits_q);
    c_t = load ? '0 : t_q;
    c_s = load ? seed : lfsr_q;
    c_clip = load ? 1'b0 : clipped;
    c_base = clear ? '0 : acc;
    c_ones = '0;
    c_idx = '0;
    c_found = 1'b0;
    j = 0;
    k = 0;
    if (step) begin
      for (j = 0; j < B; j = j + 1) begin
        if (c_t < c_n) begin
          if (SNG == 0) begin
            c_idx = c_t + TB'(1);
            c_found = 1'b0;
            for (k = 0; k < N; k = k + 1) begin
              if (!c_found && c_idx[k]) begin
                c_found = 1'b1;
                c_ones = c_ones + OB'(c_act[N-1-k]);
              end
            end
          end else begin
            c_ones = c_ones + OB'(c_act >= c_s);
            c_s = {c_s[N-2:0], ^(c_s & TAPS)};
          end
          c_t = c_t + TB'(1);
        end
      end
    end
    c_delta = (A + 1)'(c_ones);
    c_sum = {c_base[A-1], c_base} + (c_neg ? -c_delta : c_delta);
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      acc <= '0;
      clipped <= 1'b0;
      t_q <= '0;
      nbits_q <= '0;
    end else begin
      act_q <= c_act;
      neg_q <= c_neg;
      nbits_q <= c_n[N:0];
      t_q <= c_t;
      lfsr_q <= c_s;
      if (c_sum > $signed({2'b00, {(A - 1) {1'b1}}})) begin  // above 2^(A-1) - 1
        acc <= {1'b0, {(A - 1) {1'b1}}};
        clipped <= 1'b1;
      end else if (c_sum < $signed({2'b11, {(A - 1) {1'b0}}})) begin  // below -2^(A-1)
        acc <= {1'b1, {(A - 1) {1'b0}}};
        clipped <= 1'b1;
      end else begin
        acc <= c_sum[A-1:0];
        clipped <= c_clip;
      end
    end
  end
endmodule
