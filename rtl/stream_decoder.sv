// Stream decoder, synthesizable SystemVerilog: the RTL twin of hw::StreamDecoder (the clocked
// wrapper of models::DecoderCore, docs/cycles.md "Stream decoder"). One module for the four
// formats of docs/formats.md, chosen by FORMAT; the code parameters are module parameters.
// Written in the subset Verilator 5.006 and Yosys 0.23 both read (docs/rtl.md).
//
// Timing. Cycle c of the SystemC decoder is clock edge c here: at the edge the decoder takes
// the inputs as cycle c begins (fifo_free: the FIFO's free slots committed by the end of cycle
// c-1; mem_rvalid/mem_rdata: the word of a read that arrives for cycle c) and registers what
// it did in cycle c (terms, memory read, status, done), visible until the next edge.
//   - start (sampled at the edge before cycle 0) loads cfg_weight_count and cfg_mem_words and
//     clears the pass state, as StreamDecoder::begin_pass.
//   - Up to F fields are decoded per cycle from a 2W-bit buffer; term_valid[i] (i < the terms
//     pushed, thermometer) marks slot i of `terms` as a term for the FIFO.
//   - A read of word mem_addr is issued (mem_req) when none is in flight, words remain and at
//     most W bits are buffered; its word arrives with mem_rvalid one or more cycles later.
//   - status (DecoderStatus) and done are registers; a cycle whose status is fifo_full puts the
//     decoder to sleep (stall_fifo) until the FIFO has a free slot again; asleep it keeps a word
//     that arrives and takes it when it acts again.
//   - error: a malformed stream (FieldDecoder's classes); the decoder stops, the cycle's terms
//     and read are dropped, as the SystemC decoder stops at the exception.
// terms slot i = {first, negative, exponent[7:0], nbits[N:0], weight[31:0]}.
module stream_decoder #(
    parameter int FORMAT = 1,  // 0 tag, 1 special, 2 lq, 3 linear
    parameter int B = 5,       // code word bits b
    parameter int N = 8,       // SC stream bits (linear: magnitude bits)
    parameter int W = 32,      // memory word bits
    parameter int L = 2,       // words per weight at most (tag, special)
    parameter int F = 1,       // fields decoded per cycle
    parameter int TW = 42 + N + 1  // bits of one term slot
) (
    input  logic              clk,
    input  logic              rst,
    input  logic              start,
    input  logic [31:0]       cfg_weight_count,
    input  logic [31:0]       cfg_mem_words,
    input  logic [7:0]        fifo_free,
    input  logic              mem_rvalid,
    input  logic [W-1:0]      mem_rdata,
    output logic              mem_req,
    output logic [31:0]       mem_addr,
    output logic [F-1:0]      term_valid,
    output logic [F*TW-1:0]   terms,
    output logic [2:0]        status,
    output logic              done,
    output logic              stall_fifo,
    output logic              error
);
  localparam int FB = FORMAT == 0 ? B + 1 : (FORMAT == 3 ? N + 1 : B);  // field bits
  localparam int RW = B > N ? B + 1 : N + 1;  // field register bits (any format's field fits)
  localparam int BW = 2 * W;                                             // buffer bits
  localparam int CB = $clog2(BW + 1);                                    // buffer count bits
  localparam logic [2:0] S_IDLE = 3'd0, S_PRODUCED = 3'd1, S_STARVED = 3'd2, S_NO_TERM = 3'd3,
                         S_FIFO_FULL = 3'd4, S_DONE = 3'd5;
  localparam logic [B-1:0] MARK = {1'b1, {(B - 1) {1'b0}}};  // M = -2^(b-1)

  // Pass state (registers).
  logic [31:0]   weight_count_q, mem_words_q;
  logic [BW-1:0] buf_q;       // right-aligned: the next field starts at bit bits_q - 1
  logic [CB-1:0] bits_q;
  logic [31:0]   started_q;   // weights started
  logic [7:0]    wiw_q;       // words of the current weight
  logic          open_q;      // tag: t = 1 seen; special: marker seen
  logic [31:0]   req_q;       // words requested
  logic          outst_q;     // a read is in flight
  logic          fin_q;       // finished (or no pass loaded)
  logic          pend_q;      // a word that arrived while asleep
  logic [W-1:0]  pend_word_q;

  // One cycle of the decoder (DecoderCore::step), computed from the state and the inputs.
  logic [BW-1:0] c_buf;
  logic [CB-1:0] c_bits;
  logic [31:0]   c_started, c_req, c_weight;
  logic [7:0]    c_wiw;
  logic          c_open, c_outst, c_fin, c_err, c_stop, c_cmpl, c_cont, c_emit, c_first, c_neg, c_consume;
  logic [2:0]    c_what;
  logic [7:0]    c_pushed;
  logic [F-1:0]  c_valid;
  logic [F*TW-1:0] c_terms;
  logic [RW-1:0] raw;        // the field in its low FB bits (bits above: don't care)
  logic [B-1:0]  code;
  logic [7:0]    c_exp;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [B+7:0]  vext;       // the code sign-extended (low 8 bits used)
  /* verilator lint_on UNUSEDSIGNAL */
  logic [N:0]    c_nbits;
  logic          act;
  integer        s;

  assign act = !fin_q && !(stall_fifo && fifo_free == 8'd0);

  always_comb begin
    c_buf = buf_q;
    c_bits = bits_q;
    c_started = started_q;
    c_wiw = wiw_q;
    c_open = open_q;
    c_req = req_q;
    c_outst = outst_q;
    c_fin = 1'b0;
    c_err = 1'b0;
    c_stop = 1'b0;
    c_what = S_IDLE;
    c_pushed = 8'd0;
    c_valid = '0;
    c_terms = '0;
    raw = '0;
    code = '0;
    c_weight = '0;
    c_emit = 1'b0;
    c_first = 1'b0;
    c_neg = 1'b0;
    c_consume = 1'b0;
    c_exp = '0;
    vext = '0;
    c_nbits = '0;
    c_cmpl = 1'b0;
    c_cont = 1'b0;
    // The word that arrived is taken before decoding.
    if (pend_q || mem_rvalid) begin
      c_buf = {c_buf[W-1:0], pend_q ? pend_word_q : mem_rdata};
      c_bits = c_bits + CB'(W);
      c_outst = 1'b0;
    end
    for (s = 0; s < F; s = s + 1) begin
      if (!c_stop) begin
        c_cmpl = !c_open && c_started >= weight_count_q &&
                 (FORMAT != 1 || weight_count_q == 32'd0 || c_wiw >= 8'(L));
        c_cont = FORMAT == 1 && !c_open && c_started == weight_count_q && weight_count_q != 32'd0 &&
                 c_wiw < 8'(L);
        if (c_cmpl) begin  // the stream is complete: what follows is padding
          c_fin = 1'b1;
          c_stop = 1'b1;
        end else if (c_bits < CB'(FB)) begin  // no whole field buffered
          if (c_req >= mem_words_q && !c_outst) begin  // the image has no further field
            if (!c_cont) c_err = 1'b1;
            c_fin = 1'b1;
          end else if (c_what == S_IDLE) begin
            c_what = S_STARVED;
          end
          c_stop = 1'b1;
        end else if (fifo_free <= c_pushed) begin  // no room for a term
          if (c_what == S_IDLE) c_what = S_FIFO_FULL;
          c_stop = 1'b1;
        end else begin
          raw = RW'(c_buf >> (c_bits - CB'(FB)));
          code = raw[B-1:0];
          c_emit = 1'b0;
          c_consume = 1'b1;
          c_first = 1'b0;
          c_weight = c_started - 32'd1;
          if (FORMAT == 0) begin  // tag
            if (code == MARK) c_err = 1'b1;
            if (c_open) begin
              c_wiw = c_wiw + 8'd1;
              if (c_wiw > 8'(L)) c_err = 1'b1;
            end else begin
              c_weight = c_started;
              c_started = c_started + 32'd1;
              c_wiw = 8'd1;
              c_first = 1'b1;
            end
            c_open = raw[B];
            if (c_weight >= weight_count_q) c_err = 1'b1;
            c_emit = code != '0;
          end else if (FORMAT == 1) begin  // special
            if (c_open) begin
              if (code == MARK) c_err = 1'b1;
              c_open = 1'b0;
              c_emit = code != '0;
            end else if (code == MARK) begin  // marker: announces a further word
              if (c_started == 32'd0) c_err = 1'b1;
              c_wiw = c_wiw + 8'd1;
              if (c_wiw > 8'(L)) c_err = 1'b1;
              c_open = 1'b1;
            end else if (c_started == weight_count_q) begin  // the peeked field is padding
              c_consume = 1'b0;
              c_fin = 1'b1;
              c_stop = 1'b1;
            end else begin
              c_weight = c_started;
              c_started = c_started + 32'd1;
              c_wiw = 8'd1;
              c_first = 1'b1;
              c_emit = code != '0;
            end
          end else begin  // lq, linear: one field a weight
            c_weight = c_started;
            c_started = c_started + 32'd1;
            c_wiw = 8'd1;
            c_first = 1'b1;
            if (c_weight >= weight_count_q) c_err = 1'b1;
            c_emit = FORMAT == 2 ? code != '0 : raw[N-1:0] != '0;
          end
          if (c_consume) begin
            c_bits = c_bits - CB'(FB);
            if (c_what == S_IDLE) c_what = S_NO_TERM;
            // The term: log 2^-e has 2^(N-e) bits (none if e > N); linear |w| bits.
            if (FORMAT == 3) begin
              c_neg = raw[N];
              c_exp = 8'd0;
              c_nbits = {1'b0, raw[N-1:0]};
            end else begin
              c_neg = code[B-1];
              vext = {{8{code[B-1]}}, code};
              c_exp = c_neg ? 8'd0 - vext[7:0] : vext[7:0];
              c_nbits = c_exp <= 8'(N) ? (N + 1)'(1) << (8'(N) - c_exp) : '0;
              if (c_exp > 8'(N)) c_emit = 1'b0;
            end
            if (c_emit) begin
              c_valid[c_pushed[$clog2(F+1)-1:0]] = 1'b1;
              c_terms[c_pushed[$clog2(F+1)-1:0]*TW+:TW] = {c_first, c_neg, c_exp, c_nbits, c_weight};
              c_pushed = c_pushed + 8'd1;
              c_what = S_PRODUCED;
            end
          end
        end
      end
    end
    c_cmpl = !c_open && c_started >= weight_count_q && (FORMAT != 1 || weight_count_q == 32'd0 || c_wiw >= 8'(L));
    if (c_cmpl) c_fin = 1'b1;
    if (c_fin) c_what = c_pushed != 8'd0 ? S_PRODUCED : S_DONE;
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      fin_q <= 1'b1;
      pend_q <= 1'b0;
      stall_fifo <= 1'b0;
      status <= S_IDLE;
      done <= 1'b0;
      error <= 1'b0;
      mem_req <= 1'b0;
      term_valid <= '0;
    end else if (start) begin  // begin_pass
      weight_count_q <= cfg_weight_count;
      mem_words_q <= cfg_mem_words;
      bits_q <= '0;
      started_q <= '0;
      wiw_q <= '0;
      open_q <= 1'b0;
      req_q <= '0;
      outst_q <= 1'b0;
      fin_q <= 1'b0;
      pend_q <= 1'b0;
      stall_fifo <= 1'b0;
      status <= S_IDLE;
      done <= 1'b0;
      error <= 1'b0;
      mem_req <= 1'b0;
      term_valid <= '0;
    end else if (act && c_err) begin  // a malformed stream: stop, nothing of this cycle happens
      fin_q <= 1'b1;
      error <= 1'b1;
      mem_req <= 1'b0;
      term_valid <= '0;
    end else if (act) begin
      buf_q <= c_buf;
      started_q <= c_started;
      wiw_q <= c_wiw;
      open_q <= c_open;
      fin_q <= c_fin;
      pend_q <= 1'b0;
      term_valid <= c_valid;
      terms <= c_terms;
      status <= c_what;
      done <= c_fin;
      stall_fifo <= c_what == S_FIFO_FULL;
      // The read at the end of the cycle.
      if (!c_fin && !c_outst && c_req < mem_words_q && c_bits <= CB'(W)) begin
        mem_req <= 1'b1;
        mem_addr <= c_req;
        req_q <= c_req + 32'd1;
        outst_q <= 1'b1;
      end else begin
        mem_req <= 1'b0;
        req_q <= c_req;
        outst_q <= c_outst;
      end
      bits_q <= c_bits;
    end else begin  // asleep, finished or idle
      mem_req <= 1'b0;
      term_valid <= '0;
      if (mem_rvalid && !fin_q) begin
        pend_q <= 1'b1;
        pend_word_q <= mem_rdata;
      end
    end
  end
endmodule
