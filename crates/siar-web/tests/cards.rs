//! Picture cards: every programme's Open Graph PNG and the meta tags that
//! point at it; a family shares a badge by a signed link that shows only the
//! nickname; made-up or tampered links find nothing.

use siar_testkit::TestDb;
use siar_testkit::app::{Reply, TestApp};

fn after<'a>(body: &'a str, marker: &str) -> &'a str {
    let i = body.find(marker).expect(marker) + marker.len();
    &body[i..]
}

/// A PNG's size from its header.
fn png_size(r: &Reply) -> (u32, u32) {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["content-type"], "image/png");
    let b = &r.bytes;
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
    let n = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (n(16), n(20))
}

#[tokio::test]
async fn programmes_have_open_graph_cards_and_badges_can_be_shared() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    for page in [
        "/jajak/buku-minggu-buku",
        "/kuis/kenal-palembang",
        "/survei/kepuasan-2026",
        "/tantangan/liburan-akhir-tahun",
    ] {
        let r = t.get(page, None).await;
        assert!(
            r.body.contains(&format!("{page}/og.png\">")),
            "{page} points at its card"
        );
        assert!(r.body.contains("summary_large_image"));
        let card = t.get(&format!("{page}/og.png"), None).await;
        assert_eq!(png_size(&card), (1200, 630), "{page}");
        assert!(
            card.headers["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("public")
        );
    }
    assert_eq!(t.get("/kuis/tidak-ada/og.png", None).await.status, 404);

    // The child's challenge page offers to share the badges earned.
    let page = "/tantangan/liburan-akhir-tahun";
    let (jar, csrf, _) = t.patron_sign_in("keluarga.ani@contoh.example", page).await;
    let acc = t.get("/akun", Some(&jar)).await;
    let kid: String = after(&acc.body, "name=\"profile\" value=\"")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    t.post_form(
        "/akun/profil",
        Some(&jar),
        &[("_csrf", &csrf), ("profile", &kid)],
    )
    .await;
    let r = t.get(page, Some(&jar)).await;
    let share: String = after(&r.body, "href=\"/lencana/")
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    // Anyone with the link sees the card, with the nickname only.
    let r = t.get(&format!("/lencana/{share}"), None).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("Rafi Kecil meraih lencana Pembaca Pemula"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Tantangan Membaca Liburan Akhir Tahun"));
    assert!(r.body.contains(&format!("/lencana/{share}/kartu.png")));
    assert!(r.body.contains("https://wa.me/?text="));
    let card = t.get(&format!("/lencana/{share}/kartu.png"), None).await;
    assert_eq!(png_size(&card), (1200, 630));
    // A made-up or tampered link finds nothing: the 100 % badge was not earned.
    let parts: Vec<&str> = share.splitn(3, '-').collect();
    let forged = format!("{}-100-{}", parts[0], parts[2]);
    assert_eq!(t.get(&format!("/lencana/{forged}"), None).await.status, 404);
    assert_eq!(
        t.get(&format!("/lencana/{forged}/kartu.png"), None)
            .await
            .status,
        404
    );
    assert_eq!(t.get("/lencana/1-25-palsu", None).await.status, 404);
    t.cleanup().await;
}
