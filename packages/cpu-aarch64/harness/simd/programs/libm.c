/* libm and printf through the FP instructions: output must match qemu-aarch64. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  volatile double xs[] = {0.0, -0.0, 1e-310, 0.5, 1.0, 2.5, -3.75, 3.141592653589793, 10.0, 123.456, -1e10, 1e300, 0.1};
  int n = sizeof xs / sizeof xs[0];
  for (int i = 0; i < n; i++) {
    double x = xs[i];
    printf("%.17g sin=%.17g cos=%.17g exp=%.17g log=%.17g pow=%.17g sqrt=%.17g\n", x, sin(x), cos(x), exp(x / 50),
           log(fabs(x) + 1e-300), pow(fabs(x) + 0.5, 1.75), sqrt(fabs(x)));
    printf("  tan=%.17g atan2=%.17g cbrt=%.17g fma=%.17g lrint=%ld round=%.17g trunc=%.17g\n", tan(x / 7),
           atan2(x, 3.0), cbrt(x), fma(x, 1.0000001, -x), lrint(x / 3), round(x / 3), trunc(x / 3));
    float f = (float)x;
    printf("  f=%.9g sinf=%.9g expf=%.9g logf=%.9g powf=%.9g (int)=%d (long)=%ld\n", f, sinf(f), expf(f / 50),
           logf(fabsf(f) + 1e-30f), powf(fabsf(f) + 0.5f, 1.75f), (int)(f / 1e3f), (long)(x / 7));
  }
  int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
  for (int m = 0; m < 4; m++) {
    fesetround(modes[m]);
    volatile double a = 1.0, b = 3.0;
    volatile float fa = 2.0f, fb = 7.0f;
    printf("mode %d: %.17g %.17g %.9g %ld %.17g\n", m, a / b, -a / b, fa / fb, lrint(2.5), nearbyint(-2.5));
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  volatile double z = 0.0;
  volatile double r = 1.0 / z;
  printf("inf=%g flags=%d\n", r, fetestexcept(FE_ALL_EXCEPT));
  feclearexcept(FE_ALL_EXCEPT);
  r = sqrt(-1.0 + z);
  printf("nan=%g flags=%d\n", r, fetestexcept(FE_ALL_EXCEPT));
  printf("strtod %.17g %.17g %a\n", strtod("2.2250738585072011e-308", 0), strtod("0x1.fffffffffffffp1023", 0), 1.0 / 3);
  double acc = 0;
  for (int i = 1; i < 100000; i++) acc += 1.0 / ((double)i * i);
  printf("zeta2=%.17g\n", acc);
  return 0;
}
