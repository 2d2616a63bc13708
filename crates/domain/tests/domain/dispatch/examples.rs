//! Unit examples in a 高知県 setting (高知市 392014, 南国市 392049).

use super::*;

#[test]
fn reference_codes_exist() {
    assert_eq!(
        municipality::lookup(KOCHI).map(|g| g.name.as_str()),
        Some("高知市")
    );
    assert_eq!(
        municipality::lookup(NANKOKU).map(|g| g.name.as_str()),
        Some("南国市")
    );
    assert_eq!(
        municipality::lookup(KOCHI_PREF).map(|g| g.name.as_str()),
        Some("高知県")
    );
}

/// A family in 南国市 whose child has a gastrostomy asks for a nurse coordinator.
#[test]
fn rank_nankoku_tube_feeding_with_reasons() {
    let mut req = request(1, 1, NANKOKU, SidesNeeded::Medical);
    req.topics = vec![topic("tube_feeding_gastric"), topic("school")];

    // 1: nurse in 南国市, knows tube feeding, 2 of 5 cases, worked with the family in 2024.
    let mut a = coord(1, &["nurse", "care_worker"], &[NANKOKU]);
    a.topics = vec![topic("tube_feeding_gastric"), topic("ventilator")];
    a.active_cases = 2;
    a.past_families = vec![domain::dispatch::PastFamily {
        child_id: child(1),
        year: 2024,
    }];
    a.recent_dispatches = 3;
    a.affiliation = Some(muni(NANKOKU));
    // 2: public health nurse covering all of 高知県, nothing else in particular.
    let mut b = coord(2, &["public_health_nurse"], &[KOCHI_PREF]);
    b.max_active_cases = 3;
    // 3: social worker — wrong side.
    let c = coord(3, &["social_worker"], &[NANKOKU]);
    // 4: nurse on leave until 12/31.
    let mut d = coord(4, &["nurse"], &[NANKOKU]);
    d.availability = Availability::OnLeave {
        until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
    };
    // 5: nurse covering 高知市 only.
    let e = coord(5, &["nurse"], &[KOCHI]);
    // 6: nurse covering the prefecture, at capacity.
    let mut f = coord(6, &["nurse"], &[KOCHI_PREF]);
    f.active_cases = 5;
    let coords = vec![f, e, d, c, b, a];

    let ranked = rank(&req, &coords, &Weights::default(), today());
    let ids: Vec<CoordinatorId> = ranked.iter().map(|c| c.coordinator.id).collect();
    assert_eq!(ids, vec![uid(1), uid(2)]);

    let top = &ranked[0];
    let ja: Vec<String> = top.reasons.iter().map(|r| r.message(Lang::Ja)).collect();
    assert_eq!(
        ja,
        vec![
            "南国市を担当",
            "看護師",
            "経管栄養（経鼻胃管、胃瘻）に詳しい",
            "5件中2件対応中",
            "2024年にこの家族を担当",
            "過去12か月の派遣3件",
            "所属が南国市",
        ]
    );
    assert_eq!(top.reasons[0].message(Lang::En), "covers 南国市");
    assert_eq!(top.reasons[3].message(Lang::En), "2 of 5 cases in use");
    assert_eq!(
        top.reasons[4].message(Lang::En),
        "worked with this family in 2024"
    );
    assert!(!top
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::Profession(p) if p.as_str() == "care_worker")));
    // topic ½·3 + continuity (1 − 2·0.25)·2 + load ⅗·1.5 + fairness ¾·1 + affiliation 0.5
    assert_eq!(top.score, 1500 + 1000 + 900 + 750 + 500);
    assert_eq!(
        ranked[1].reasons[0],
        Reason::CoversMunicipality(&muni(KOCHI_PREF))
    );
    assert_eq!(ranked[1].reasons[0].message(Lang::Ja), "高知県を担当");

    // Why the others are not listed (for an advisor's override with a reason).
    let why = |i: usize| exclusions(&req, &coords[i], today());
    assert_eq!(why(0), vec![Exclusion::AtCapacity { active: 5, max: 5 }]);
    assert_eq!(why(1), vec![Exclusion::DoesNotCover]);
    assert_eq!(
        why(2),
        vec![Exclusion::OnLeave {
            until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        }]
    );
    assert_eq!(
        why(3),
        vec![Exclusion::MissingSide {
            needed: SidesNeeded::Medical
        }]
    );
    assert_eq!(why(3)[0].message(Lang::Ja), "医療の職種がありません");
    assert_eq!(why(1)[0].message(Lang::Ja), "依頼の市町村は担当地域外です");
    assert!(why(5).is_empty());
    // After the leave, the nurse is back.
    let jan = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    assert!(is_eligible(&req, &coords[2], jan));
}

#[test]
fn ward_is_covered_by_its_designated_city_and_prefecture() {
    let req = request(1, 1, "011011", SidesNeeded::Welfare); // 札幌市中央区
    let city = coord(1, &["social_worker"], &["011002"]); // 札幌市
    let pref = coord(2, &["social_worker"], &["010006"]); // 北海道
    let other = coord(3, &["social_worker"], &[KOCHI_PREF]);
    let coords = [other, pref, city];
    let ranked = rank(&req, &coords, &Weights::default(), today());
    let ids: Vec<CoordinatorId> = ranked.iter().map(|c| c.coordinator.id).collect();
    assert_eq!(ids, vec![uid(1), uid(2)]);
}

#[test]
fn equal_scores_are_ordered_by_id() {
    let req = request(1, 1, KOCHI, SidesNeeded::Welfare);
    let coords: Vec<CoordinatorProfile> = [9, 3, 7, 1]
        .into_iter()
        .map(|i| coord(i, &["consultation_specialist"], &[KOCHI]))
        .collect();
    let ranked = rank(&req, &coords, &Weights::default(), today());
    let ids: Vec<CoordinatorId> = ranked.iter().map(|c| c.coordinator.id).collect();
    assert_eq!(ids, vec![uid(1), uid(3), uid(7), uid(9)]);
    assert!(ranked.windows(2).all(|w| w[0].score == w[1].score));
}

/// The best pair is not (best nurse, best social worker): a nurse and a social worker of the
/// same 高知市 organization get the pair bonus and overtake them.
#[test]
fn best_pair_differs_from_two_independent_lists() {
    let req = request(1, 1, NANKOKU, SidesNeeded::Both);
    let mut m1 = coord(1, &["nurse"], &[NANKOKU]);
    m1.recent_dispatches = 0;
    let mut m2 = coord(2, &["nurse"], &[NANKOKU]);
    m2.recent_dispatches = 1;
    m2.affiliation = Some(muni(KOCHI));
    let mut w1 = coord(3, &["social_worker"], &[NANKOKU]);
    w1.recent_dispatches = 0;
    let mut w2 = coord(4, &["social_worker"], &[NANKOKU]);
    w2.recent_dispatches = 1;
    w2.affiliation = Some(muni(KOCHI));
    let coords = vec![m1, m2, w1, w2];
    let w = Weights::default();

    let medical_only = request(2, 1, NANKOKU, SidesNeeded::Medical);
    let welfare_only = request(3, 1, NANKOKU, SidesNeeded::Welfare);
    let best_m = rank(&medical_only, &coords, &w, today())[0].coordinator.id;
    let best_w = rank(&welfare_only, &coords, &w, today())[0].coordinator.id;
    assert_eq!((best_m, best_w), (uid(1), uid(3)));

    let pairs = rank_pairs(&req, &coords, &w, today(), 3);
    let best = &pairs[0];
    assert_eq!(
        (best.medical.coordinator.id, best.welfare.coordinator.id),
        (uid(2), uid(4))
    );
    assert_eq!(best.bonus, 500);
    assert_eq!(
        best.bonus_reasons,
        vec![PairReason::SharedAffiliation(&muni(KOCHI))]
    );
    assert_eq!(
        best.bonus_reasons[0].message(Lang::Ja),
        "2人とも所属が高知市"
    );
    assert_eq!(best.score, best.medical.score + best.welfare.score + 500);
    assert!(best.score > pairs[1].score);
    assert_eq!(
        (
            pairs[1].medical.coordinator.id,
            pairs[1].welfare.coordinator.id
        ),
        (uid(1), uid(3))
    );
    assert_eq!(pair_bonus(&req, &coords[1], &coords[3], &w), 500);
}

#[test]
fn dual_side_people_never_pair_with_themselves_and_appear_once() {
    let req = request(1, 1, KOCHI, SidesNeeded::Both);
    let solo = coord(5, &["nurse", "social_worker"], &[KOCHI]);
    let w = Weights::default();
    assert!(rank_pairs(&req, std::slice::from_ref(&solo), &w, today(), 5).is_empty());

    let other = coord(
        2,
        &["public_health_nurse", "consultation_specialist"],
        &[KOCHI],
    );
    let coords = [solo, other];
    let pairs = rank_pairs(&req, &coords, &w, today(), 5);
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].medical.coordinator.id, uid(2));
    assert_eq!(pairs[0].welfare.coordinator.id, uid(5));
    let shown: Vec<String> = pairs[0]
        .welfare
        .reasons
        .iter()
        .filter(|r| matches!(r, Reason::Profession(_)))
        .map(|r| r.message(Lang::Ja))
        .collect();
    assert_eq!(shown, vec!["社会福祉士"]);
}

#[test]
fn batch_example_with_pair_and_unassigned() {
    let w = Weights::default();
    let mut urgent = request(1, 1, NANKOKU, SidesNeeded::Medical);
    urgent.urgency = Urgency::Urgent;
    let routine = request(2, 2, NANKOKU, SidesNeeded::Medical);
    let pair = request(3, 3, KOCHI, SidesNeeded::Both);
    let nowhere = request(4, 4, "011011", SidesNeeded::Medical);
    let mut nurse = coord(1, &["nurse"], &[NANKOKU, KOCHI]);
    nurse.max_active_cases = 1;
    let sw = coord(2, &["social_worker"], &[KOCHI]);
    let phn = coord(3, &["public_health_nurse"], &[KOCHI]);
    let coords = vec![sw, nurse, phn];
    let a = assign_batch(
        &[
            nowhere.clone(),
            pair.clone(),
            routine.clone(),
            urgent.clone(),
        ],
        &coords,
        &w,
        today(),
    );
    check_assignment(&a, &[nowhere, pair, routine, urgent], &coords, &w);
    assert!(a.proven_optimal);
    let line = |r: DispatchRequestId| a.lines.iter().find(|l| l.request == r).map(|l| l.assigned);
    assert_eq!(
        line(rid(1)),
        Some(Assigned::One {
            coordinator: uid(1)
        })
    );
    assert_eq!(
        line(rid(3)),
        Some(Assigned::Pair {
            medical: uid(3),
            welfare: uid(2)
        })
    );
    let reasons: HashMap<DispatchRequestId, UnassignedReason> =
        a.unassigned.iter().map(|u| (u.request, u.reason)).collect();
    assert_eq!(reasons[&rid(2)], UnassignedReason::CapacityUsedElsewhere);
    assert_eq!(reasons[&rid(4)], UnassignedReason::NoEligibleCoordinator);
}
