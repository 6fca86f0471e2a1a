// The controller's term down-counter (docs/rtl.md): the RTL twin of the per-cycle rules of
// models::ControllerCore as hw::Controller applies them (docs/cycles.md, "Controller"). While the
// counter is nonzero the array works on the current term and the counter counts down; when it is
// zero the array is free: the controller takes the FIFO's head term if one is valid and not held
// (the counter is loaded with ceil(nbits / B) - 1, the array cycles left after this one), else
// ends the pass if the decoder is done, else idles, the stall named after what held it up (after
// the fill cycles): the hold (fifo), else the decoder's registered status of the previous cycle
// (starved: memory; anything else: decoder).
//
// Timing as rtl/stream_decoder.sv: clock edge S + c (S: the edge after the one that sampled
// `start`) is the SystemC controller's cycle c; the inputs are what cycle c begins with, the
// outputs registered at that edge are what the controller did in cycle c. `free` (combinational)
// says whether the array is free in the next cycle, i.e. whether the FIFO's head is looked at.
module term_counter #(
    parameter int N  = 8,      // nbits has N + 1 bits (a linear term has up to 2^N - 1)
    parameter int B  = 1,      // stream bits per array cycle
    parameter int CW = N + 1   // counter bits
) (
    input  logic          clk,
    input  logic          rst,
    input  logic          start,           // begin_pass
    input  logic          term_valid,      // the FIFO holds a committed term
    input  logic          held,            // the testbench holds the FIFO's output this cycle
    input  logic [N:0]    nbits,           // the head term's stream bits
    input  logic [2:0]    decoder_status,  // the decoder's registered status (DecoderStatus)
    input  logic          decoder_done,    // the decoder's registered done
    output logic          pop,             // a term was taken and started this cycle
    output logic          busy,            // the array worked on a term this cycle
    output logic          finish,          // the pass's last cycle (the last row handed off)
    output logic [1:0]    stall,           // StallCause of an idle cycle: none 0, decoder 1, memory 2, fifo 3
    output logic [CW-1:0] count,           // array cycles left in the term after this cycle
    output logic          free             // the array is free in the next cycle
);
  localparam logic [2:0] STARVED = 3'd2;
  localparam int FILL = 2;  // kFillCycles: idle cycles that are not stalls

  logic running;      // a pass is on and has not finished
  logic [1:0] fill;   // cycles of the pass so far, saturating at FILL
  logic [CW:0] cycles;
  assign cycles = (CW + 1)'((32'(nbits) + B - 1) / B);  // ceil(nbits / B)
  assign free = running && count == '0;

  always_ff @(posedge clk) begin
    if (rst) begin
      running <= 1'b0;
      fill <= '0;
      count <= '0;
      pop <= 1'b0;
      busy <= 1'b0;
      finish <= 1'b0;
      stall <= 2'd0;
    end else if (start) begin
      running <= 1'b1;
      fill <= '0;
      count <= '0;
      pop <= 1'b0;
      busy <= 1'b0;
      finish <= 1'b0;
      stall <= 2'd0;
    end else if (running) begin
      if (fill != 2'(FILL)) fill <= fill + 2'd1;
      pop <= 1'b0;
      finish <= 1'b0;
      stall <= 2'd0;
      if (count != '0) begin           // the current term goes on
        busy <= 1'b1;
        count <= count - 1'b1;
      end else if (term_valid && !held) begin  // take the head term
        busy <= 1'b1;
        pop <= 1'b1;
        count <= cycles == '0 ? '0 : CW'(cycles - 1'b1);
      end else if (!held && decoder_done) begin  // nothing left: the pass ends
        busy <= 1'b0;
        finish <= 1'b1;
        running <= 1'b0;
      end else begin                   // the array idles
        busy <= 1'b0;
        if (fill == 2'(FILL)) stall <= held ? 2'd3 : decoder_status == STARVED ? 2'd2 : 2'd1;
      end
    end else begin
      pop <= 1'b0;
      busy <= 1'b0;
      finish <= 1'b0;
      stall <= 2'd0;
    end
  end
endmodule
