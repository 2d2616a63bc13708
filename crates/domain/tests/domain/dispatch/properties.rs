//! Property tests against brute force and greedy.

use super::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn ranking_never_breaks_a_hard_rule_and_lists_every_eligible(
        coords in arb_coords(12),
        req in arb_request(1, true),
        w in arb_weights(),
    ) {
        let ranked = rank(&req, &coords, &w, today());
        for c in &ranked {
            prop_assert!(exclusions(&req, c.coordinator, today()).is_empty());
            prop_assert_eq!(Some(c.score), score(&req, c.coordinator, &w, today()));
        }
        let eligible = coords.iter().filter(|c| is_eligible(&req, c, today())).count();
        prop_assert_eq!(ranked.len(), eligible);
        for c in &coords {
            prop_assert_eq!(is_eligible(&req, c, today()), exclusions(&req, c, today()).is_empty());
        }
        prop_assert!(ranked.windows(2).all(|p| (p[0].score, std::cmp::Reverse(p[0].coordinator.id))
            > (p[1].score, std::cmp::Reverse(p[1].coordinator.id))));
    }

    #[test]
    fn pairs_obey_the_rules_and_match_brute_force(
        coords in arb_coords(10),
        req in arb_request(1, true),
        w in arb_weights(),
        n in 1usize..6,
    ) {
        // rank_pairs looks for pairs whatever the request's sides; check against the same
        // request needing both.
        let req = DispatchRequest { sides: SidesNeeded::Both, urgency: Urgency::Routine, ..req };
        let pairs = rank_pairs(&req, &coords, &w, today(), n);
        let mut seen = std::collections::HashSet::new();
        for p in &pairs {
            let (m, wf) = (p.medical.coordinator, p.welfare.coordinator);
            prop_assert_ne!(m.id, wf.id);
            prop_assert!(exclusions(&req, m, today()).is_empty() && m.has_side(Side::Medical));
            prop_assert!(exclusions(&req, wf, today()).is_empty() && wf.has_side(Side::Welfare));
            prop_assert_eq!(p.score, p.medical.score + p.welfare.score + p.bonus);
            prop_assert_eq!(p.bonus, pair_bonus(&req, m, wf, &w));
            prop_assert!(seen.insert((m.id.min(wf.id), m.id.max(wf.id))), "pair listed twice");
        }
        // Brute force over unordered pairs of people (either orientation).
        let mut best: HashMap<(CoordinatorId, CoordinatorId), u64> = HashMap::new();
        for (v, people) in options(&req, &coords, &w) {
            let (a, b) = (coords[people[0]].id, coords[people[1]].id);
            let e = best.entry((a.min(b), a.max(b))).or_default();
            *e = (*e).max(v);
        }
        let mut totals: Vec<u64> = best.into_values().collect();
        totals.sort_unstable_by(|a, b| b.cmp(a));
        totals.truncate(n);
        let got: Vec<u64> = pairs.iter().map(|p| u64::from(p.score)).collect();
        prop_assert_eq!(got, totals);
    }

    #[test]
    fn ranking_is_deterministic_under_permutation(
        (coords, shuffled) in arb_coords(12).prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        req in arb_request(1, true),
        w in arb_weights(),
    ) {
        let a: Vec<(CoordinatorId, u32)> = rank(&req, &coords, &w, today())
            .iter().map(|c| (c.coordinator.id, c.score)).collect();
        let b: Vec<(CoordinatorId, u32)> = rank(&req, &shuffled, &w, today())
            .iter().map(|c| (c.coordinator.id, c.score)).collect();
        prop_assert_eq!(a, b);
        let pa: Vec<(CoordinatorId, CoordinatorId, u32)> = rank_pairs(&req, &coords, &w, today(), 4)
            .iter().map(|p| (p.medical.coordinator.id, p.welfare.coordinator.id, p.score)).collect();
        let pb: Vec<(CoordinatorId, CoordinatorId, u32)> = rank_pairs(&req, &shuffled, &w, today(), 4)
            .iter().map(|p| (p.medical.coordinator.id, p.welfare.coordinator.id, p.score)).collect();
        prop_assert_eq!(pa, pb);
    }

    #[test]
    fn batch_is_feasible_and_deterministic(
        (coords, shuffled) in arb_coords(12).prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        (reqs, reqs_shuffled) in arb_requests(12, true).prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        w in arb_weights(),
    ) {
        let a = assign_batch(&reqs, &coords, &w, today());
        check_assignment(&a, &reqs, &coords, &w);
        let b = assign_batch(&reqs_shuffled, &shuffled, &w, today());
        prop_assert_eq!(a, b);
    }

    #[test]
    fn batch_beats_greedy_on_single_side_requests(
        coords in arb_coords(15),
        reqs in arb_requests(30, false),
        w in arb_weights(),
    ) {
        let a = assign_batch(&reqs, &coords, &w, today());
        check_assignment(&a, &reqs, &coords, &w);
        prop_assert!(a.proven_optimal);
        prop_assert!(a.total_value >= greedy(&reqs, &coords, &w));
    }

    #[test]
    fn batch_equals_brute_force_on_small_single_side_instances(
        coords in arb_coords(5).prop_map(|mut v| {
            for c in &mut v { c.max_active_cases = c.active_cases + 1 + c.max_active_cases % 2; }
            v
        }),
        reqs in arb_requests(6, false),
        w in arb_weights(),
    ) {
        let a = assign_batch(&reqs, &coords, &w, today());
        check_assignment(&a, &reqs, &coords, &w);
        prop_assert_eq!(a.total_value, brute_force(&reqs, &coords, &w));
    }

    /// Up to 4 people and 4 requests, the pair choices are enumerated exactly.
    #[test]
    fn batch_equals_brute_force_on_small_instances_with_pairs(
        coords in arb_coords(4).prop_map(|mut v| {
            for c in &mut v { c.max_active_cases = c.active_cases + 1 + c.max_active_cases % 2; }
            v
        }),
        reqs in arb_requests(4, true),
        w in arb_weights(),
    ) {
        let a = assign_batch(&reqs, &coords, &w, today());
        check_assignment(&a, &reqs, &coords, &w);
        prop_assert!(a.proven_optimal);
        prop_assert_eq!(a.total_value, brute_force(&reqs, &coords, &w));
    }

    #[test]
    fn batch_with_pairs_is_bounded_by_brute_force(
        coords in arb_coords(5).prop_map(|mut v| {
            for c in &mut v { c.max_active_cases = c.active_cases + 1 + c.max_active_cases % 2; }
            v
        }),
        reqs in arb_requests(6, true),
        w in arb_weights(),
    ) {
        let a = assign_batch(&reqs, &coords, &w, today());
        check_assignment(&a, &reqs, &coords, &w);
        let best = brute_force(&reqs, &coords, &w);
        prop_assert!(a.total_value <= best);
        prop_assert!(best <= a.upper_bound);
        if a.proven_optimal {
            prop_assert_eq!(a.total_value, best);
        }
    }
}
