//! End to end in a real browser: an admin adds a user, reads the temporary password shown
//! once, and the new user logs in with it, is held on the account page until they choose their
//! own password, then uses tsunagu. The header names the center and fits a 390 px screen.
//! SQLite only, like `browser.rs`; same requirements (chromium, chromedriver).

use fantoccini::key::Key;
use fantoccini::Client;

use crate::browser::{connect, press, start_driver, wait_for, wait_for_path};
use crate::browser_dispatch::{present, sign_in, text, wait_to_leave};
use crate::*;

async fn flow(c: Client, w: World) {
    let base = w.app.addr.clone();
    sign_in(&c, &w.app, "kochi.admin").await;
    c.goto(&format!("{base}/admin/users")).await.unwrap();
    wait_for(&c, "#add-user-link").await.click().await.unwrap();
    wait_for_path(&c, "/admin/users/new").await;
    wait_for(&c, "#login")
        .await
        .send_keys("kochi.browser")
        .await
        .unwrap();
    wait_for(&c, "#display_name")
        .await
        .send_keys("画面 一郎")
        .await
        .unwrap();
    press(&c, Key::Enter).await;
    let temp = text(&c, "#temp-password").await;
    assert!(temp.len() >= 12, "temporary password shown: {temp:?}");

    // The new user, on this browser after the admin's cookies are gone.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    wait_for(&c, "#login")
        .await
        .send_keys("kochi.browser")
        .await
        .unwrap();
    wait_for(&c, "#password")
        .await
        .send_keys(&temp)
        .await
        .unwrap();
    press(&c, Key::Enter).await;
    wait_to_leave(&c, "/login").await;
    wait_for_path(&c, "/account").await;
    wait_for(&c, "#must-change").await;
    assert!(!present(&c, "a[href='/children']").await, "no menu yet");
    wait_for(&c, "#current_password")
        .await
        .send_keys(&temp)
        .await
        .unwrap();
    let new = "my own long passphrase here";
    wait_for(&c, "#new_password")
        .await
        .send_keys(new)
        .await
        .unwrap();
    wait_for(&c, "#confirm_password")
        .await
        .send_keys(new)
        .await
        .unwrap();
    press(&c, Key::Enter).await;
    wait_for(&c, "#notice").await;
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for_path(&c, "/").await;
    wait_for(&c, "a[href='/children']").await;
    assert_eq!(text(&c, "#center-name").await, "高知テスト");

    // The header stays within a phone's width.
    c.set_window_size(390, 844).await.unwrap();
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (doc, win) = (v[0].as_u64().unwrap(), v[1].as_u64().unwrap());
    assert!(doc <= win, "page is {doc}px wide in a {win}px window");
    std::fs::write("/tmp/tsunagu-admin-390.png", c.screenshot().await.unwrap()).unwrap();
}

#[tokio::test]
async fn browser_admin_adds_a_user_who_logs_in() {
    let driver = start_driver().await;
    let client = connect(&driver).await;
    let w = world("sqlite").await;
    let result = tokio::spawn(flow(client.clone(), w)).await;
    if result.is_err() {
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write("/tmp/tsunagu-admin-failure.png", png);
            eprintln!("browser state at the failure: /tmp/tsunagu-admin-failure.png");
        }
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = result {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("browser flow did not finish: {e}");
    }
}
