//! Properties of the 医療的ケアスコア（参考） rules (data/README.md).

use domain::care_score::{score, WatchLevel};
use domain::vocab::medical_care_items;
use proptest::prelude::*;

/// A set of (item index, chosen level or 未入力) with only levels the item has.
fn care_set() -> impl Strategy<Value = Vec<(String, Option<WatchLevel>)>> {
    let n = medical_care_items().len();
    prop::collection::vec((0..n, 0usize..4), 0..12).prop_map(|v| {
        v.into_iter()
            .map(|(i, l)| {
                let item = &medical_care_items()[i];
                let levels = item.watch_levels();
                let level = if l == 0 || levels.is_empty() {
                    None
                } else {
                    Some(levels[(l - 1) % levels.len()])
                };
                (item.code.clone(), level)
            })
            .collect()
    })
}

fn total(v: &[(String, Option<WatchLevel>)]) -> u32 {
    score(v.iter().map(|(c, l)| (c.as_str(), *l))).total
}

fn item(code: &str) -> &'static domain::vocab::MedicalCareItem {
    domain::vocab::medical_care_item(code).unwrap()
}

proptest! {
    /// Shuffling (here: reversing and rotating) the items never changes the score.
    #[test]
    fn order_independent(v in care_set(), k in 0usize..12) {
        let s = score(v.iter().map(|(c, l)| (c.as_str(), *l)));
        let mut r = v.clone();
        r.reverse();
        if !r.is_empty() {
            let k = k % r.len();
            r.rotate_left(k);
        }
        prop_assert_eq!(score(r.iter().map(|(c, l)| (c.as_str(), *l))), s);
    }

    /// Raising one item's watch level (未入力 → low → mid → high) never lowers the total.
    #[test]
    fn monotone_in_watch_levels(v in care_set(), pick in 0usize..12) {
        prop_assume!(!v.is_empty());
        let i = pick % v.len();
        let levels = item(&v[i].0).watch_levels(); // highest first
        let before = total(&v);
        for higher in levels.into_iter().filter(|l| Some(*l) > v[i].1) {
            let mut w = v.clone();
            w[i].1 = Some(higher);
            prop_assert!(total(&w) >= before, "{:?} -> {:?}", v, w);
        }
    }

    /// A group scores once: adding a second, non-pump item of a group already present adds at
    /// most the difference to the better one, never both.
    #[test]
    fn group_scores_once(v in care_set()) {
        let s = total(&v);
        // The highest possible contribution of each group.
        let mut max_sum = 0u32;
        let mut groups = std::collections::BTreeMap::<u8, u32>::new();
        for (code, _) in &v {
            let it = item(code);
            let best = it.base_score + it.watch_levels().iter().filter_map(|l| it.watch_score(*l)).max().unwrap_or(0);
            if it.adds_to_group() {
                continue;
            }
            let g = groups.entry(it.group).or_insert(0);
            *g = (*g).max(best);
        }
        max_sum += groups.values().sum::<u32>();
        let mut pumps: Vec<&str> = v.iter().map(|(c, _)| c.as_str()).filter(|c| item(c).adds_to_group()).collect();
        pumps.sort_unstable();
        pumps.dedup();
        max_sum += pumps.iter().map(|c| item(c).base_score + 1).sum::<u32>();
        prop_assert!(s <= max_sum, "{} > {} for {:?}", s, max_sum, v);
    }

    /// Each pump adds its own points (3 + its watch score) whatever else is there.
    #[test]
    fn pumps_add(v in care_set(), pump in prop::sample::select(vec!["feeding_pump", "subcutaneous_pump"]), high in any::<bool>()) {
        let without: Vec<_> = v.iter().filter(|(c, _)| c != pump).cloned().collect();
        let level = high.then_some(WatchLevel::High);
        let mut with = without.clone();
        with.push((pump.to_string(), level));
        let expected = 3 + u32::from(high);
        prop_assert_eq!(total(&with), total(&without) + expected);
    }

    /// With the ventilator, the tracheostomy adds its base 8 and never its watch score, and its
    /// missing watch does not make the score incomplete.
    #[test]
    fn ventilator_with_tracheostomy(v in care_set(), trach_level in prop::option::of(Just(WatchLevel::High))) {
        let mut base: Vec<_> = v.iter().filter(|(c, _)| c != "tracheostomy" && c != "ventilator").cloned().collect();
        base.push(("ventilator".into(), Some(WatchLevel::Mid)));
        let mut with = base.clone();
        with.push(("tracheostomy".into(), trach_level));
        prop_assert_eq!(total(&with), total(&base) + 8);
        let inc = |x: &[(String, Option<WatchLevel>)]| score(x.iter().map(|(c, l)| (c.as_str(), *l))).incomplete;
        prop_assert_eq!(inc(&with), inc(&base));
    }
}

#[test]
fn tracheostomy_alone_adds_its_watch() {
    let s = score([("tracheostomy", Some(WatchLevel::High))]);
    assert_eq!(s.total, 10);
    let s = score([("tracheostomy", None)]);
    assert!(s.incomplete);
}
