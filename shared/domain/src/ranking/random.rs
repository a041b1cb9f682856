//! Reproducible randomness for `rand` and `rand_normal`.
//!
//! A ranked read is served page by page; if an activity's random term changed between
//! pages, it could appear twice or never. So the numbers are not random at all: each call
//! site's generator starts from a hash of the read's seed, the activity's id and the site's
//! index, and is the splitmix64 sequence from there. The same seed, activity and call site
//! always give the same numbers; another seed reshuffles everything.

/// A splitmix64 generator for one call site and activity.
pub(super) struct Rng(u64);

/// The golden-ratio increment of splitmix64.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    pub(super) fn new(seed: u64, activity_id: &str, site: u32) -> Rng {
        // FNV-1a over the id: stable across builds and platforms, unlike std's hasher.
        let id_hash = activity_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let mut rng = Rng(seed ^ id_hash);
        let mixed = rng.next_u64() ^ u64::from(site).wrapping_mul(GAMMA);
        Rng(mixed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits as a fraction.
    pub(super) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal, by the Box-Muller transform.
    pub(super) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // in (0, 1], so ln is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Normal with mean `mu` and deviation `sigma`, kept within [a, b]: draws outside are
    /// drawn again, a few times, and then the last draw is clamped. NaN in, NaN out.
    pub(super) fn normal_within(&mut self, a: f64, b: f64, sigma: f64, mu: f64) -> f64 {
        if [a, b, sigma, mu].iter().any(|x| x.is_nan()) {
            return f64::NAN;
        }
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let mut value = mu;
        for _ in 0..16 {
            value = mu + sigma * self.normal();
            if (lo..=hi).contains(&value) {
                return value;
            }
        }
        value.max(lo).min(hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_inputs_give_the_same_numbers() {
        let draw = |seed, id, site| Rng::new(seed, id, site).uniform();
        assert_eq!(draw(7, "a1", 1), draw(7, "a1", 1));
        assert_ne!(draw(7, "a1", 1), draw(7, "a2", 1));
        assert_ne!(draw(7, "a1", 1), draw(8, "a1", 1));
        assert_ne!(draw(7, "a1", 1), draw(7, "a1", 2));
    }

    #[test]
    fn uniform_stays_in_range_and_normal_looks_normal() {
        let mut rng = Rng::new(1, "x", 1);
        let n = 20_000;
        let mut sum = 0.0;
        let mut squares = 0.0;
        for _ in 0..n {
            let u = rng.uniform();
            assert!((0.0..1.0).contains(&u));
            let z = rng.normal();
            sum += z;
            squares += z * z;
        }
        let mean = sum / n as f64;
        let variance = squares / n as f64 - mean * mean;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.05, "variance {variance}");
    }

    #[test]
    fn normal_within_keeps_to_its_bounds() {
        let mut rng = Rng::new(3, "x", 1);
        for _ in 0..1_000 {
            let v = rng.normal_within(0.0, 1.0, 5.0, 0.5);
            assert!((0.0..=1.0).contains(&v), "{v}");
        }
        assert_eq!(rng.normal_within(2.0, 3.0, 0.0, 10.0), 3.0);
        assert!(rng.normal_within(f64::NAN, 1.0, 1.0, 0.0).is_nan());
    }
}
