//! The five seed center models and the municipalities their children live in.

use domain::Role;

pub(super) struct CenterSpec {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) jurisdiction: &'static str,
    pub(super) children: usize,
    pub(super) staff: &'static [(Role, &'static str, &'static [&'static str])],
    /// Dispatches coordinators and produces the prefecture's payment statements (the Kochi
    /// model); the other models do neither, so their menus stay without that work.
    pub(super) kochi_model: bool,
}

pub(super) const CENTERS: &[CenterSpec] = &[
    CenterSpec {
        code: "kochi",
        name: "高知県医療的ケア児等支援センター（デモ）",
        jurisdiction: "390003",
        children: 80,
        kochi_model: true,
        staff: &[
            (Role::Admin, "kochi.admin", &[]),
            (Role::Advisor, "kochi.advisor", &["nurse"]),
            (Role::Coordinator, "kochi.coord01", &["public_health_nurse"]),
            (Role::Coordinator, "kochi.coord02", &["nurse"]),
            (Role::Coordinator, "kochi.coord03", &["social_worker"]),
            (Role::Coordinator, "kochi.coord04", &["nurse"]),
            (Role::Coordinator, "kochi.coord05", &["social_worker"]),
            (Role::Coordinator, "kochi.coord06", &["public_health_nurse"]),
            (Role::Coordinator, "kochi.coord07", &["nurse"]),
            (Role::Coordinator, "kochi.coord08", &["social_worker"]),
            (Role::Coordinator, "kochi.coord09", &["nurse"]),
            (Role::Coordinator, "kochi.coord10", &["social_worker"]),
            (Role::Municipal, "kochi.city", &[]),
        ],
    },
    CenterSpec {
        code: "nara",
        name: "奈良県医療的ケア児支援センター（デモ）",
        jurisdiction: "290009",
        children: 60,
        kochi_model: false,
        staff: &[
            (Role::Admin, "nara.admin", &[]),
            (Role::Advisor, "nara.nurse", &["nurse"]),
            (Role::Consultant, "nara.welfare", &["social_worker"]),
        ],
    },
    CenterSpec {
        code: "kitakyushu",
        name: "北九州市医療的ケア児支援センター（デモ）",
        jurisdiction: "401005",
        children: 55,
        kochi_model: false,
        staff: &[
            (Role::Admin, "kitakyushu.admin", &[]),
            (Role::Advisor, "kitakyushu.coord", &["social_worker"]),
            (Role::Viewer, "kitakyushu.city", &[]),
        ],
    },
    CenterSpec {
        code: "setagaya",
        name: "世田谷区医療的ケア児相談支援センター（デモ）",
        jurisdiction: "131121",
        children: 70,
        kochi_model: false,
        staff: &[
            (Role::Admin, "setagaya.admin", &[]),
            (Role::Advisor, "setagaya.coord", &["nurse"]),
            (Role::Consultant, "setagaya.consult1", &["social_worker"]),
            (Role::Consultant, "setagaya.consult2", &["nurse"]),
            (Role::Viewer, "setagaya.pr", &[]),
            (Role::Auditor, "setagaya.audit", &[]),
        ],
    },
    CenterSpec {
        code: "toyama",
        name: "富山県医療的ケア児等支援センター（デモ）",
        jurisdiction: "160008",
        children: 50,
        kochi_model: false,
        staff: &[
            (Role::Admin, "toyama.admin", &[]),
            (Role::Advisor, "toyama.advisor", &["nurse"]),
            (Role::Consultant, "toyama.consult", &["social_worker"]),
        ],
    },
];

/// The municipalities children of a center live in: the prefecture's municipalities, a city's
/// wards, or the municipality itself.
pub(crate) fn areas(jurisdiction: &str) -> Vec<String> {
    let under: Vec<String> = domain::municipality::all()
        .iter()
        .filter(|g| {
            g.parent_code.as_deref() == Some(jurisdiction)
                && g.kind != domain::municipality::LocalGovKind::Prefecture
        })
        .map(|g| g.code.clone())
        .collect();
    if under.is_empty() {
        vec![jurisdiction.to_string()]
    } else {
        under
    }
}
