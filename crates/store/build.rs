//! `sqlx::migrate!` embeds `migrations/` at compile time, but Cargo does not know the macro reads
//! those files: without this, a new or edited migration alone does not rebuild the crate (what
//! `sqlx migrate build-script` generates).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
