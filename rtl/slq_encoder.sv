// The reused-LogQuant SLQ encoder (docs/encoder.md): the RTL twin of hw SlqEncoder, whose
// datapath is models/quant/slq_encoder_model (logquant_unit). One LogQuant unit on a Q1.15
// residue register, used once per cycle: each cycle with a weight in flight and room in the output
// FIFO emits one b-bit code word and whether it is the weight's last; a weight is read from the
// input FIFO in a cycle with none in flight (and, if the output FIFO is full, waits in the
// register: a stall). The format enters only through the configuration registers (L, Emax per
// sign, theta, the smallest nonzero magnitude per sign: LogQuantConfig, loaded once).
//
// Timing: the SystemC encoder acts at clock edges; at edge c the RTL takes what cycle c begins
// with (the input FIFO's valid and head, the output FIFO's committed room) and registers what it
// did in cycle c (the weight read, the word written, a stall).
module slq_encoder #(
    parameter int B = 5  // code word bits b
) (
    input  logic              clk,
    input  logic              rst,
    input  logic [7:0]        cfg_words_limit,   // L (1 for lq)
    input  logic signed [17:0] cfg_theta,        // floor(theta * 2^15), -1: never stop on theta
    input  logic [5:0]        cfg_emax_pos,      // largest exponent of a positive / negative code
    input  logic [5:0]        cfg_emax_neg,
    input  logic [17:0]       cfg_nzmin_pos,     // smallest |residue| with a nonzero word, per sign
    input  logic [17:0]       cfg_nzmin_neg,
    input  logic              in_valid,          // the input FIFO holds a weight
    input  logic signed [15:0] in_data,          // its head, Q1.15
    input  logic              out_ready,         // the output FIFO has a free slot
    output logic              in_pop,            // a weight was read this cycle
    output logic              out_valid,         // a word was written this cycle
    output logic signed [B-1:0] out_code,
    output logic              out_last,          // ... and it ends its weight
    output logic              stalled            // a word was due and the output FIFO was full
);
  logic              inflight;
  logic signed [17:0] residue;
  logic [7:0]        word_index;

  // The residue this cycle works on: the register, or the weight read now.
  logic              c_take, c_have;
  logic signed [17:0] c_res;
  logic [7:0]        c_idx;
  assign c_take = !inflight && in_valid;
  assign c_have = inflight || in_valid;
  assign c_res = inflight ? residue : 18'(in_data);
  assign c_idx = inflight ? word_index : 8'd1;

  // LogQuant: e = 15 - round(log2 |r|), at least 1; the rounding compares |r| with ceil(2^k sqrt 2).
  logic [17:0] c_mag, c_round, c_power, c_after_mag;
  logic [4:0]  c_k;
  logic signed [6:0] c_e_raw;
  logic [5:0]  c_e;
  logic        c_pos, c_zero, c_below, c_stop, c_within, c_next_zero;
  logic signed [17:0] c_after;
  assign c_pos = !c_res[17] && c_res != '0;
  assign c_zero = c_res == '0;
  assign c_mag = c_res[17] ? 18'(-c_res) : 18'(c_res);
  always_comb begin
    c_k = 5'd0;
    for (int i = 0; i < 17; i++)
      if (c_mag[i]) c_k = 5'(i);
  end
  always_comb begin
    case (c_k)
      5'd0: c_round = 18'd2;
      5'd1: c_round = 18'd3;
      5'd2: c_round = 18'd6;
      5'd3: c_round = 18'd12;
      5'd4: c_round = 18'd23;
      5'd5: c_round = 18'd46;
      5'd6: c_round = 18'd91;
      5'd7: c_round = 18'd182;
      5'd8: c_round = 18'd363;
      5'd9: c_round = 18'd725;
      5'd10: c_round = 18'd1449;
      5'd11: c_round = 18'd2897;
      5'd12: c_round = 18'd5793;
      5'd13: c_round = 18'd11586;
      5'd14: c_round = 18'd23171;
      5'd15: c_round = 18'd46341;
      5'd16: c_round = 18'd92682;
      default: c_round = 18'h3ffff;
    endcase
  end
  assign c_e_raw = 7'sd15 - $signed({2'b00, c_k}) - ((c_mag >= c_round) ? 7'sd1 : 7'sd0);
  assign c_e = c_e_raw < 7'sd1 ? 6'd1 : 6'(c_e_raw);
  assign c_below = c_e > (c_pos ? cfg_emax_pos : cfg_emax_neg);
  assign c_power = 18'd1 << (5'd15 - 5'(c_e));
  assign c_after = c_pos ? c_res - $signed(c_power) : c_res + $signed(c_power);
  assign c_after_mag = c_after[17] ? 18'(-c_after) : 18'(c_after);
  assign c_within = $signed({1'b0, c_after_mag}) <= $signed({cfg_theta[17], cfg_theta});
  assign c_next_zero = c_after_mag < ((!c_after[17] && c_after != '0) ? cfg_nzmin_pos : cfg_nzmin_neg);
  assign c_stop = c_zero || c_below || c_idx >= cfg_words_limit || c_within || c_next_zero;

  always_ff @(posedge clk) begin
    if (rst) begin
      inflight <= 1'b0;
      residue <= '0;
      word_index <= 8'd1;
      in_pop <= 1'b0;
      out_valid <= 1'b0;
      out_code <= '0;
      out_last <= 1'b0;
      stalled <= 1'b0;
    end else begin
      in_pop <= c_take;
      out_valid <= 1'b0;
      stalled <= 1'b0;
      if (c_take) begin
        inflight <= 1'b1;
        residue <= c_res;
        word_index <= 8'd1;
      end
      if (c_have && !out_ready) begin
        stalled <= 1'b1;
      end else if (c_have) begin
        out_valid <= 1'b1;
        out_code <= (c_zero || c_below) ? '0 : c_pos ? B'(c_e) : B'(-$signed({1'b0, c_e}));
        out_last <= c_stop;
        if (c_stop) begin
          inflight <= 1'b0;
        end else begin
          inflight <= 1'b1;
          residue <= c_after;
          word_index <= c_idx + 8'd1;
        end
      end
    end
  end
endmodule
