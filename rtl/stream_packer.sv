// The stream packer (docs/encoder.md, docs/formats.md): the RTL twin of hw StreamPacker. It takes
// the encoder's code words ({code, last}) and appends ONE field per cycle to a W-bit memory word,
// most significant bit first: tag t + code (b + 1 bits, t = not last), special the code, or the
// marker M before each further word of a weight (a field and a cycle of its own), lq the code. A
// stream is `cfg_weights_per_stream` weights; after its last field the partial word is zero-padded
// and written (flush). A cycle writes at most two memory words (one completed, one flushed), so a
// field must fit a word: b + 1 <= W (tag), b <= W. Valid code streams only (the SystemC packer's
// checks of out-of-range codes and of more than L words are not in the RTL).
//
// Timing: at edge c the RTL takes what cycle c begins with (the input FIFO's valid and head, the
// output FIFO's committed free slots) and registers what it did in cycle c.
module stream_packer #(
    parameter int FORMAT = 1,  // 0 tag, 1 special, 2 lq
    parameter int B = 5,       // code word bits b
    parameter int W = 32       // memory word bits
) (
    input  logic                clk,
    input  logic                rst,
    input  logic [31:0]         cfg_weights_per_stream,
    input  logic                in_valid,   // the input FIFO holds a code word
    input  logic [B-1:0]        in_code,
    input  logic                in_last,
    input  logic [1:0]          out_free,   // the output FIFO's committed free slots (saturated at 3)
    output logic                in_pop,     // a code word was read this cycle
    output logic [1:0]          out_count,  // memory words written this cycle (word0 first)
    output logic [W-1:0]        out_word0,
    output logic [W-1:0]        out_word1,
    output logic                marker,     // the field appended this cycle was the marker M
    output logic                stalled     // a field was due and the output FIFO had too little room
);
  localparam bit TAG = FORMAT == 0;
  localparam bit SPECIAL = FORMAT == 1;
  localparam int FB = $clog2(2 * W + 1);  // bit counts up to 2W
  localparam int FW = TAG ? B + 1 : B;    // widest field

  logic              holding, held_last, marker_due, at_weight_start;
  logic [B-1:0]      held_code;
  logic [31:0]       weights_in_stream;
  logic [W-1:0]      fill;
  logic [FB-1:0]     fill_bits;

  // This cycle's word: the held one, or the one read now.
  logic              c_take, c_have, c_last, c_md;
  logic [B-1:0]      c_code;
  assign c_take = !holding && in_valid;
  assign c_have = holding || in_valid;
  assign c_code = holding ? held_code : in_code;
  assign c_last = holding ? held_last : in_last;
  assign c_md = holding ? marker_due : (SPECIAL && !at_weight_start);

  logic [FW-1:0]     c_field;
  logic [FB-1:0]     c_width, c_held_bits, c_rem;
  logic              c_ends, c_full;
  logic [1:0]        c_words;
  logic [2*W-1:0]    c_comb, c_rem_bits;
  logic [W-1:0]      c_word_full, c_new_fill, c_flush_word;
  always_comb begin
    if (c_md) begin
      c_field = FW'({1'b1, {(B - 1){1'b0}}});  // M = -2^(b-1)
      c_width = FB'(B);
    end else if (TAG) begin
      c_field = FW'({!c_last, c_code});
      c_width = FB'(B + 1);
    end else begin
      c_field = FW'(c_code);
      c_width = FB'(B);
    end
  end
  assign c_ends = !c_md && c_last && weights_in_stream + 32'd1 == cfg_weights_per_stream;
  assign c_held_bits = fill_bits + c_width;
  assign c_full = c_held_bits >= FB'(W);
  assign c_rem = c_full ? c_held_bits - FB'(W) : c_held_bits;
  assign c_words = (c_full ? 2'd1 : 2'd0) + ((c_ends && c_rem != '0) ? 2'd1 : 2'd0);
  assign c_comb = ((2 * W)'(fill) << c_width) | (2 * W)'(c_field);
  assign c_word_full = W'(c_comb >> c_rem);
  assign c_rem_bits = c_comb & (((2 * W)'(1) << c_rem) - 1'b1);
  assign c_new_fill = W'(c_rem_bits);
  assign c_flush_word = W'(c_rem_bits << (FB'(W) - c_rem));

  always_ff @(posedge clk) begin
    if (rst) begin
      holding <= 1'b0;
      held_last <= 1'b0;
      held_code <= '0;
      marker_due <= 1'b0;
      at_weight_start <= 1'b1;
      weights_in_stream <= '0;
      fill <= '0;
      fill_bits <= '0;
      in_pop <= 1'b0;
      out_count <= 2'd0;
      out_word0 <= '0;
      out_word1 <= '0;
      marker <= 1'b0;
      stalled <= 1'b0;
    end else begin
      in_pop <= c_take;
      out_count <= 2'd0;
      marker <= 1'b0;
      stalled <= 1'b0;
      if (c_take) begin
        holding <= 1'b1;
        held_code <= in_code;
        held_last <= in_last;
        marker_due <= SPECIAL && !at_weight_start;
      end
      if (c_have && out_free < c_words) begin
        stalled <= 1'b1;
      end else if (c_have) begin
        out_count <= c_words;
        if (c_full) begin
          out_word0 <= c_word_full;
          out_word1 <= c_flush_word;
        end else begin
          out_word0 <= c_flush_word;
        end
        if (c_ends) begin
          fill <= '0;
          fill_bits <= '0;
        end else begin
          fill <= c_new_fill;
          fill_bits <= c_rem;
        end
        if (c_md) begin
          marker_due <= 1'b0;
          marker <= 1'b1;
        end else begin
          holding <= 1'b0;
          at_weight_start <= c_last;
          if (c_last) weights_in_stream <= c_ends ? 32'd0 : weights_in_stream + 32'd1;
          if (c_ends) at_weight_start <= 1'b1;
        end
      end
    end
  end
endmodule
