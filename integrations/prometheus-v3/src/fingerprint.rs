//! Alert fingerprints, computed the way Prometheus does when a payload lacks one.

use crate::payload::Labels;

const OFFSET64: u64 = 14_695_981_039_346_656_037;
const PRIME64: u64 = 1_099_511_628_211;
const SEPARATOR: u8 = 0xFF;

/// FNV-1a 64 over the labels sorted by name, each written as `name 0xFF value 0xFF`,
/// formatted as 16 lowercase hex digits (prometheus/common `model.LabelSet.Fingerprint`).
/// Annotations do not count. `Labels` iterates in name order already.
pub(crate) fn fingerprint(labels: Option<&Labels<'_>>) -> String {
    let mut hash = OFFSET64;
    let mut add = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME64);
        }
    };
    for (name, value) in labels.into_iter().flat_map(Labels::iter) {
        add(name.as_bytes());
        add(&[SEPARATOR]);
        add(value.as_bytes());
        add(&[SEPARATOR]);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_label_set_is_the_offset_basis() {
        assert_eq!(fingerprint(None), "cbf29ce484222325");
    }
}
