;; COPY's CSV record ends (LF) to the export's (CRLF), 16 bytes at a time with WebAssembly SIMD.
;; The source of the bytes in csv-record-ends-wasm.ts (`npm run build:wasm` regenerates them; a
;; unit test fails when the two drift apart). lib/audit/csv-record-ends.ts explains the rule and
;; checks `inputBytes` against the layout it assumes.
;;
;; Memory: the input at 0 (at most 256 KiB), the output at 256 KiB (at most twice the input, when
;; every byte is a record end). `mend` is stateless between calls: the caller passes whether the
;; input starts inside a quoted field and reads `quoted` and `records` right after the call.
(module
  (memory (export "memory") 12)
  (global $quoted (mut i32) (i32.const 0))
  (global $records (mut i32) (i32.const 0))
  (func (export "quoted") (result i32) (global.get $quoted))
  (func (export "records") (result i32) (global.get $records))
  (func (export "inputBytes") (result i32) (i32.const 262144))

  (func (export "mend") (param $len i32) (param $q i32) (result i32)
    (local $i i32) (local $o i32) (local $v v128) (local $p i32) (local $ends i32)
    (local $j i32) (local $b i32) (local $n i32)
    (local.set $o (i32.const 262144))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $len)))
        (local.set $v (v128.load (local.get $i)))
        ;; Bit k of p: whether byte k is inside quotes (an odd number of quotes up to it, flipped
        ;; when the block starts inside quotes). A doubled quote flips twice, so counting is enough.
        (local.set $p (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 34)))))
        (local.set $p (i32.xor (local.get $p) (i32.shl (local.get $p) (i32.const 1))))
        (local.set $p (i32.xor (local.get $p) (i32.shl (local.get $p) (i32.const 2))))
        (local.set $p (i32.xor (local.get $p) (i32.shl (local.get $p) (i32.const 4))))
        (local.set $p (i32.xor (local.get $p) (i32.shl (local.get $p) (i32.const 8))))
        (local.set $p (i32.xor (local.get $p) (i32.sub (i32.const 0) (local.get $q))))
        ;; Record ends: line feeds outside quotes.
        (local.set $ends
          (i32.and
            (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10))))
            (i32.xor (local.get $p) (i32.const -1))))
        (local.set $q (i32.and (i32.shr_u (local.get $p) (i32.const 15)) (i32.const 1)))
        (if (i32.eqz (local.get $ends))
          (then
            (v128.store (local.get $o) (local.get $v))
            (local.set $o (i32.add (local.get $o) (i32.const 16))))
          (else
            ;; About one block in sixty: copy it a byte at a time, a CR before each record end.
            (local.set $n (i32.add (local.get $n) (i32.popcnt (local.get $ends))))
            (local.set $j (i32.const 0))
            (loop $bytes
              (if (i32.and (i32.shr_u (local.get $ends) (local.get $j)) (i32.const 1))
                (then
                  (i32.store8 (local.get $o) (i32.const 13))
                  (local.set $o (i32.add (local.get $o) (i32.const 1)))))
              (i32.store8 (local.get $o) (i32.load8_u (i32.add (local.get $i) (local.get $j))))
              (local.set $o (i32.add (local.get $o) (i32.const 1)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $bytes (i32.lt_u (local.get $j) (i32.const 16))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $blocks)))
    ;; The last few bytes, one at a time.
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $b (i32.load8_u (local.get $i)))
        (if (i32.eq (local.get $b) (i32.const 34))
          (then (local.set $q (i32.xor (local.get $q) (i32.const 1)))))
        (if (i32.and (i32.eq (local.get $b) (i32.const 10)) (i32.eqz (local.get $q)))
          (then
            (i32.store8 (local.get $o) (i32.const 13))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (i32.store8 (local.get $o) (local.get $b))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (global.set $quoted (local.get $q))
    (global.set $records (local.get $n))
    (i32.sub (local.get $o) (i32.const 262144))))
