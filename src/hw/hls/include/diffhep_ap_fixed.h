// diffhep_ap_fixed.h: a small, bit-exact implementation of the ap_fixed /
// ap_ufixed subset that diffhep's generated HLS C++ uses, for compiling and
// running that code with an ordinary C++ compiler (g++ -std=c++17).
//
// Written for diffhep from the semantics in docs/hw.md ("Fixed-point
// semantics"); it is not Xilinx's header. The generated code also compiles
// unchanged against Xilinx's ap_fixed.h (`diffhep hw verify --ap-include DIR`).
//
// A value of ap_fixed<W,I,Q,O> (signed) or ap_ufixed<W,I,Q,O> is raw * 2^-F,
// F = W - I, raw a W-bit two's-complement (signed) or plain binary
// (unsigned) integer. A conversion first quantizes the exact source value to
// F fractional bits by Q, then applies O to W bits. Products and sums are
// exact (full-width result types). Raw values are held in a signed __int128,
// so every type up to 64 bits, and every product of two of them (except an
// unsigned 64-bit times unsigned 64-bit product, rejected at compile time),
// is exact.
//
// Supported: construction from raw bits (range(hi, lo) = bits), from the
// other fixed types (with quantization and overflow), from integers and from
// double/float (exact); *, +, +=, comparisons (with each other and with
// integers); reading raw bits (range(hi, lo).to_uint64()) and to_double().
#ifndef DIFFHEP_AP_FIXED_H
#define DIFFHEP_AP_FIXED_H

#include <cmath>
#include <cstdint>

enum ap_q_mode { AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, AP_TRN_ZERO };
enum ap_o_mode { AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP, AP_WRAP_SM };

namespace diffhep_ap {

typedef __int128 i128;
typedef unsigned __int128 u128;

// Number of bits of |v| (0 for 0); |INT128_MIN| counts as 128.
inline int mag_bits(i128 v) {
  u128 m = v < 0 ? (u128)0 - (u128)v : (u128)v;
  int n = 0;
  while (m != 0) {
    m >>= 1;
    n++;
  }
  return n;
}

// Keeps the low w bits of v (1 <= w <= 128), sign-extended when s.
inline i128 wrap_bits(u128 v, int w, bool s) {
  if (w < 128) {
    u128 mask = ((u128)1 << w) - 1;
    v &= mask;
    if (s && ((v >> (w - 1)) & 1)) v |= ~mask;
  }
  return (i128)v;
}

// Smallest and largest raw value of a W-bit type.
inline i128 raw_min(int w, bool s) { return s ? -(i128)((u128)1 << (w - 1)) : 0; }
inline i128 raw_max(int w, bool s) { return s ? (i128)(((u128)1 << (w - 1)) - 1) : (i128)(((u128)1 << w) - 1); }

// Drops `shift` >= 1 low bits of raw by quantization mode q.
inline i128 quantize(i128 raw, int shift, ap_q_mode q) {
  if (shift >= 128) {
    // |raw| <= 2^127 <= half an output LSB: the result is 0 or -1 before
    // rounding and no tie is possible, except raw = -2^127 at shift 128
    // (exactly -1/2). Reduce to a small shift with the same decisions.
    if (shift == 128 && raw == raw_min(128, true)) {
      raw = -1;
      shift = 1;
    } else {
      raw = raw > 0 ? 1 : raw < 0 ? -1 : 0;
      shift = 2;
    }
  }
  i128 fl = raw >> shift;  // arithmetic shift: floor
  u128 rem = (u128)raw & (((u128)1 << shift) - 1);
  if (rem == 0) return fl;
  u128 half = (u128)1 << (shift - 1);
  bool neg = raw < 0;
  bool up = false;
  switch (q) {
    case AP_TRN: up = false; break;
    case AP_TRN_ZERO: up = neg; break;
    case AP_RND: up = rem >= half; break;
    case AP_RND_ZERO: up = rem > half || (rem == half && neg); break;
    case AP_RND_MIN_INF: up = rem > half; break;
    case AP_RND_INF: up = rem > half || (rem == half && !neg); break;
    case AP_RND_CONV: up = rem > half || (rem == half && (fl & 1) != 0); break;
  }
  return up ? fl + 1 : fl;
}

// Exact cast of the value raw * 2^-src_f to the type (w, f, s, q, o); returns its raw value.
inline i128 cast(i128 raw, int src_f, int w, int f, bool s, ap_q_mode q, ap_o_mode o) {
  int shift = src_f - f;
  i128 v;
  bool big = false;  // |value| * 2^f does not fit in 127 bits: out of every type's range
  u128 low = 0;      // the value's low 128 bits (for wrapping) when big
  if (shift > 0) {
    v = quantize(raw, shift, q);
  } else if (shift == 0 || raw == 0) {
    v = raw;
  } else {
    int k = -shift;
    big = mag_bits(raw) + k > 127;
    low = k >= 128 ? 0 : (u128)raw << k;
    v = big ? 0 : (i128)low;
  }
  i128 lo = raw_min(w, s), hi = raw_max(w, s);
  bool sym = o == AP_SAT_SYM && s;
  bool over = big ? raw > 0 : v > hi;
  bool under = big ? raw < 0 : (v < lo || (sym && v == lo));
  if (!over && !under) return v;
  switch (o) {
    case AP_SAT: return over ? hi : lo;
    case AP_SAT_ZERO: return 0;
    case AP_SAT_SYM: return over ? hi : (s ? -hi : lo);
    default: return wrap_bits(big ? low : (u128)v, w, s);
  }
}

// Compares a * 2^-fa with b * 2^-fb: -1, 0 or 1.
inline int compare(i128 a, int fa, i128 b, int fb) {
  if (fa < fb) return -compare(b, fb, a, fa);
  // Compare a with b * 2^d, d >= 0.
  int d = fa - fb;
  if (d == 0) return a < b ? -1 : a > b ? 1 : 0;
  int sb = b > 0 ? 1 : b < 0 ? -1 : 0;
  if (sb != 0 && mag_bits(b) + d > 127) return -sb;  // |b| 2^d >= 2^127 > |a|
  i128 bs = (i128)((u128)b << d);
  return a < bs ? -1 : a > bs ? 1 : 0;
}

// The bits [hi:lo] of a raw value, and writing them.
template <class T>
struct range_ref {
  T& x;
  int hi, lo;
  range_ref(T& x_, int hi_, int lo_) : x(x_), hi(hi_), lo(lo_) {}
  uint64_t to_uint64() const {
    int n = hi - lo + 1;
    u128 v = (u128)x.V >> lo;
    return (uint64_t)(n >= 64 ? v : v & ((((u128)1) << n) - 1));
  }
  int64_t to_int64() const { return (int64_t)to_uint64(); }
  range_ref& operator=(unsigned long long bits) {
    int n = hi - lo + 1;
    u128 mask = (n >= 128 ? ~(u128)0 : (((u128)1) << n) - 1) << lo;
    u128 v = ((u128)x.V & ~mask) | (((u128)bits << lo) & mask);
    x.V = wrap_bits(v, T::width, T::sign_flag);
    return *this;
  }
  range_ref& operator=(long long bits) { return *this = (unsigned long long)bits; }
  range_ref& operator=(unsigned long bits) { return *this = (unsigned long long)bits; }
  range_ref& operator=(long bits) { return *this = (unsigned long long)bits; }
  range_ref& operator=(unsigned bits) { return *this = (unsigned long long)bits; }
  range_ref& operator=(int bits) { return *this = (unsigned long long)bits; }
};

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O>
struct ap_fixed_base {
  static_assert(W >= 1 && (S ? W <= 128 : W <= 127), "diffhep_ap_fixed.h holds raw values up to 128 bits (127 unsigned)");
  static_assert(O != AP_WRAP_SM, "AP_WRAP_SM is not supported");
  static const int width = W;
  static const int iwidth = I;
  static const bool sign_flag = S;
  static const int frac = W - I;
  i128 V;  // the raw value, sign- (or zero-) extended

  ap_fixed_base() : V(0) {}
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2>
  ap_fixed_base(const ap_fixed_base<W2, I2, S2, Q2, O2>& o) : V(cast(o.V, W2 - I2, W, W - I, S, Q, O)) {}
  ap_fixed_base(long long v) : V(cast((i128)v, 0, W, W - I, S, Q, O)) {}
  ap_fixed_base(unsigned long long v) : V(cast((i128)v, 0, W, W - I, S, Q, O)) {}
  ap_fixed_base(long v) : ap_fixed_base((long long)v) {}
  ap_fixed_base(unsigned long v) : ap_fixed_base((unsigned long long)v) {}
  ap_fixed_base(int v) : ap_fixed_base((long long)v) {}
  ap_fixed_base(unsigned v) : ap_fixed_base((unsigned long long)v) {}
  ap_fixed_base(bool v) : ap_fixed_base((long long)v) {}
  // Every finite double is m * 2^e with |m| < 2^53: exact.
  ap_fixed_base(double d) : V(0) {
    if (d == 0 || !std::isfinite(d)) return;
    int e;
    double m = std::frexp(d, &e);  // d = m * 2^e, 0.5 <= |m| < 1
    long long mi = (long long)std::ldexp(m, 53);
    V = cast((i128)mi, 53 - e, W, W - I, S, Q, O);
  }
  ap_fixed_base(float f) : ap_fixed_base((double)f) {}

  range_ref<ap_fixed_base> range(int hi, int lo) { return range_ref<ap_fixed_base>(*this, hi, lo); }
  range_ref<ap_fixed_base> range() { return range_ref<ap_fixed_base>(*this, W - 1, 0); }
  uint64_t range_bits(int hi, int lo) const { return range_ref<ap_fixed_base>(const_cast<ap_fixed_base&>(*this), hi, lo).to_uint64(); }
  double to_double() const { return std::ldexp((double)V, I - W); }

  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2>
  ap_fixed_base& operator+=(const ap_fixed_base<W2, I2, S2, Q2, O2>& o);
};

// Full-precision result types of * and +.
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
struct result_types {
  static const int F1 = W1 - I1, F2 = W2 - I2;
  static const int mult_w = W1 + W2, mult_i = I1 + I2;
  static const bool mult_s = S1 || S2;
  static const int plus_f = F1 > F2 ? F1 : F2;
  static const int plus_ia = I1 + (S2 && !S1), plus_ib = I2 + (S1 && !S2);
  static const int plus_i = (plus_ia > plus_ib ? plus_ia : plus_ib) + 1;
  static const int plus_w = plus_i + plus_f;
  static const bool plus_s = S1 || S2;
  typedef ap_fixed_base<mult_w, mult_i, mult_s, AP_TRN, AP_WRAP> mult;
  typedef ap_fixed_base<plus_w, plus_i, plus_s, AP_TRN, AP_WRAP> plus;
};

template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2>
typename result_types<W1, I1, S1, W2, I2, S2>::mult operator*(const ap_fixed_base<W1, I1, S1, Q1, O1>& a, const ap_fixed_base<W2, I2, S2, Q2, O2>& b) {
  typedef typename result_types<W1, I1, S1, W2, I2, S2>::mult R;
  R r;
  r.V = (i128)((u128)a.V * (u128)b.V);  // exact: the product fits the result type (checked by R)
  return r;
}

template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2>
typename result_types<W1, I1, S1, W2, I2, S2>::plus operator+(const ap_fixed_base<W1, I1, S1, Q1, O1>& a, const ap_fixed_base<W2, I2, S2, Q2, O2>& b) {
  typedef result_types<W1, I1, S1, W2, I2, S2> T;
  typename T::plus r;
  // Both operands aligned to the sum's fractional bits; the sum fits its width (<= 128 bits).
  r.V = (i128)(((u128)a.V << (T::plus_f - (W1 - I1))) + ((u128)b.V << (T::plus_f - (W2 - I2))));
  return r;
}

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O>
template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2>
ap_fixed_base<W, I, S, Q, O>& ap_fixed_base<W, I, S, Q, O>::operator+=(const ap_fixed_base<W2, I2, S2, Q2, O2>& o) {
  *this = ap_fixed_base(*this + o);
  return *this;
}

#define DIFFHEP_AP_CMP(OP, TEST)                                                                                    \
  template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1, int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2> \
  bool operator OP(const ap_fixed_base<W1, I1, S1, Q1, O1>& a, const ap_fixed_base<W2, I2, S2, Q2, O2>& b) {        \
    int c = compare(a.V, W1 - I1, b.V, W2 - I2);                                                                    \
    return TEST;                                                                                                     \
  }                                                                                                                  \
  template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1>                                                     \
  bool operator OP(const ap_fixed_base<W1, I1, S1, Q1, O1>& a, long long b) {                                        \
    int c = compare(a.V, W1 - I1, (i128)b, 0);                                                                      \
    return TEST;                                                                                                     \
  }                                                                                                                  \
  template <int W1, int I1, bool S1, ap_q_mode Q1, ap_o_mode O1>                                                     \
  bool operator OP(const ap_fixed_base<W1, I1, S1, Q1, O1>& a, int b) {                                              \
    return a OP(long long) b;                                                                                        \
  }
DIFFHEP_AP_CMP(>, c > 0)
DIFFHEP_AP_CMP(<, c < 0)
DIFFHEP_AP_CMP(>=, c >= 0)
DIFFHEP_AP_CMP(<=, c <= 0)
DIFFHEP_AP_CMP(==, c == 0)
DIFFHEP_AP_CMP(!=, c != 0)
#undef DIFFHEP_AP_CMP

}  // namespace diffhep_ap

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed : diffhep_ap::ap_fixed_base<W, I, true, Q, O> {
  static_assert(N == 0, "saturation bits N are not supported");
  typedef diffhep_ap::ap_fixed_base<W, I, true, Q, O> Base;
  using Base::Base;
  ap_fixed() : Base() {}
  ap_fixed(const Base& b) : Base(b) {}  // an inherited constructor does not take the base type itself
};

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_ufixed : diffhep_ap::ap_fixed_base<W, I, false, Q, O> {
  static_assert(N == 0, "saturation bits N are not supported");
  typedef diffhep_ap::ap_fixed_base<W, I, false, Q, O> Base;
  using Base::Base;
  ap_ufixed() : Base() {}
  ap_ufixed(const Base& b) : Base(b) {}  // an inherited constructor does not take the base type itself
};

#endif
