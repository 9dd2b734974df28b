//! Quizzes and surveys through the HTTP router, without JavaScript: staff
//! write, preview and publish a quiz (bad input explained, typed text kept);
//! a patron takes it one question per page with feedback and a score; an
//! anonymous visitor answers the demo survey with its skip logic.

use siar_testkit::TestDb;
use siar_testkit::app::TestApp;

fn after<'a>(body: &'a str, marker: &str) -> &'a str {
    let i = body.find(marker).expect(marker) + marker.len();
    &body[i..]
}

fn number_after(body: &str, marker: &str) -> String {
    after(body, marker)
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// The option ids of the question on the page, in order.
fn options(body: &str) -> Vec<String> {
    body.split("name=\"choice\" value=\"")
        .skip(1)
        .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

#[tokio::test]
async fn staff_write_a_quiz_and_a_patron_takes_it() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let staff = t
        .sign_in("editor@perpustakaan.example", "siar-demo")
        .await
        .unwrap();
    let (cookie, csrf) = (staff.cookie.as_str(), staff.csrf.as_str());
    let r = t.get("/app/kuis", Some(cookie)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Kuis Wong Kito"), "the demo quiz is listed");
    // A title is required; what was typed stays.
    let r = t
        .post_form(
            "/app/kuis",
            Some(cookie),
            &[
                ("_csrf", csrf),
                ("title", " "),
                ("description", "Untuk anak SD"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Untuk anak SD"));
    let r = t
        .post_form(
            "/app/kuis",
            Some(cookie),
            &[
                ("_csrf", csrf),
                ("title", "Kuis Buku Anak"),
                ("points", "5"),
                ("leaderboard", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let detail = r.location().unwrap().to_string();
    assert!(detail.starts_with("/app/formulir/"));
    let add = format!("{detail}/soal");
    let r = t
        .post_form(
            &add,
            Some(cookie),
            &[
                ("_csrf", csrf),
                ("kind", "single"),
                ("prompt", "Siapa penulis Si Kancil?"),
                ("options", "Cerita rakyat\nAndrea Hirata"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Tandai jawaban yang benar"));
    assert!(
        r.body.contains("Siapa penulis Si Kancil?"),
        "the prompt stays"
    );
    for (prompt, opts, explanation) in [
        (
            "Buku bergambar untuk anak disebut…",
            "* Buku cerita bergambar\nEnsiklopedia",
            "Buku cerita bergambar memadukan gambar dan teks.",
        ),
        ("Berapa lama buku boleh dipinjam?", "* 7 hari\n30 hari", ""),
    ] {
        let r = t
            .post_form(
                &add,
                Some(cookie),
                &[
                    ("_csrf", csrf),
                    ("kind", "single"),
                    ("prompt", prompt),
                    ("options", opts),
                    ("explanation", explanation),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let r = t.get(&format!("{detail}/pratinjau"), Some(cookie)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Buku bergambar untuk anak disebut"));
    assert!(r.body.contains("Berapa lama buku boleh dipinjam?"));
    // Not on the portal before it is published.
    assert_eq!(t.get("/kuis/kuis-buku-anak", None).await.status, 404);
    let r = t
        .post_form(
            &format!("{detail}/terbitkan"),
            Some(cookie),
            &[("_csrf", csrf)],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = t.get(&detail, Some(cookie)).await;
    assert!(r.body.contains("/l/"), "a short link to share");

    // A patron takes the quiz.
    let page = "/kuis/kuis-buku-anak";
    let (jar, pcsrf, _) = t.patron_sign_in("pelajar.dimas@contoh.example", page).await;
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("Mulai kuis"), "{}", r.body);
    let start = format!("{page}/mulai");
    let r = t.post_form(&start, Some(&jar), &[("_csrf", &pcsrf)]).await;
    assert_eq!(r.status, 303);
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("Pertanyaan 1"));
    let q1 = number_after(&r.body, "name=\"question\" value=\"");
    let o1 = options(&r.body);
    let answer = format!("{page}/jawab");
    let r = t
        .post_form(&answer, Some(&jar), &[("_csrf", &pcsrf), ("question", &q1)])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("wajib dijawab"));
    let r = t
        .post_form(
            &answer,
            Some(&jar),
            &[("_csrf", &pcsrf), ("question", &q1), ("choice", &o1[0])],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("Benar!"));
    assert!(r.body.contains("memadukan gambar dan teks"));
    assert!(r.body.contains("Pertanyaan 2"));
    let q2 = number_after(&r.body, "name=\"question\" value=\"");
    let o2 = options(&r.body);
    let r = t
        .post_form(
            &answer,
            Some(&jar),
            &[("_csrf", &pcsrf), ("question", &q2), ("choice", &o2[1])],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.set_cookie("siar_flash").unwrap().contains("fm-finished"));
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("1 / 2"), "{}", r.body);
    assert!(r.body.contains("Pembahasan"));
    assert!(r.body.contains("Jawaban yang benar: 7 hari"));
    assert!(r.body.contains("Kamu mendapat 5 poin"));
    // My data shows the response with its answers and the points.
    let r = t.get("/akun/data", Some(&jar)).await;
    assert!(r.body.contains("Kuis Buku Anak"));
    assert!(r.body.contains("1/2"));
    assert!(
        r.body
            .contains("Berapa lama buku boleh dipinjam? → <strong>30 hari")
    );
    assert!(r.body.contains("<strong>+5</strong> Kuis"), "{}", r.body);
    let json = t.get("/akun/data.json", Some(&jar)).await;
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let mine = v["quiz_and_survey_responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "Kuis Buku Anak")
        .expect("the response is exported");
    assert_eq!(mine["score"], 1);
    assert_eq!(mine["answers"][0]["answer"], "Buku cerita bergambar");
    assert!(
        v["points"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["reason"] == "quiz" && p["change"] == 5)
    );
    let csv = t.get("/akun/data.csv", Some(&jar)).await;
    assert!(
        csv.body.contains("quiz,Kutu Buku SMA,Kuis Buku Anak,1/2"),
        "{}",
        csv.body
    );
    // Answering again changes nothing.
    let r = t
        .post_form(
            &answer,
            Some(&jar),
            &[("_csrf", &pcsrf), ("question", &q2), ("choice", &o2[0])],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("sudah menyelesaikannya"));
    // Without the CSRF token nothing happens.
    let r = t.post_form(&start, Some(&jar), &[("_csrf", "palsu")]).await;
    assert_eq!(r.status, 403);

    // Staff read the results and download them.
    let r = t.get(&format!("{detail}/hasil"), Some(cookie)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("1 selesai"));
    assert!(r.body.contains("1 benar (100%)"));
    let csv = t.get(&format!("{detail}/hasil.csv"), Some(cookie)).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("Berapa lama buku boleh dipinjam?"));
    assert!(csv.body.contains("30 hari"));
    // Once answered, the questions are locked.
    let r = t
        .post_form(
            &add,
            Some(cookie),
            &[
                ("_csrf", csrf),
                ("kind", "single"),
                ("prompt", "Lagi?"),
                ("options", "* Ya\nTidak"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Sudah ada yang mengisi"));
    // An analyst may read but not change.
    let analyst = t
        .sign_in("analis@perpustakaan.example", "siar-demo")
        .await
        .unwrap();
    assert_eq!(
        t.get(&format!("{detail}/hasil"), Some(&analyst.cookie))
            .await
            .status,
        200
    );
    let r = t
        .post_form(
            &format!("{detail}/tutup"),
            Some(&analyst.cookie),
            &[("_csrf", &analyst.csrf)],
        )
        .await;
    assert_eq!(r.status, 403);
    t.cleanup().await;
}

#[tokio::test]
async fn an_anonymous_visitor_answers_the_demo_survey() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let page = "/survei/kepuasan-2026";
    let r = t.get(page, None).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Survei Kepuasan Pengunjung 2026"));
    let pre = r.set_cookie("siar_pre").expect("pre-session cookie");
    let jar = format!("siar_pre={pre}");
    let csrf = r.csrf().expect("csrf");
    let r = t
        .post_form(&format!("{page}/mulai"), Some(&jar), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    let answer = format!("{page}/jawab");
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("Pertanyaan 1"));
    let q = number_after(&r.body, "name=\"question\" value=\"");
    let o = options(&r.body);
    // "Tidak" skips to question 5.
    let r = t
        .post_form(
            &answer,
            Some(&jar),
            &[("_csrf", &csrf), ("question", &q), ("choice", &o[1])],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("Pertanyaan 5"), "{}", r.body);
    assert!(r.body.contains("value=\"10\""), "the 0–10 scale");
    let q = number_after(&r.body, "name=\"question\" value=\"");
    let r = t
        .post_form(
            &answer,
            Some(&jar),
            &[("_csrf", &csrf), ("question", &q), ("text", "12")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Pilih salah satu angka"));
    let r = t
        .post_form(
            &answer,
            Some(&jar),
            &[("_csrf", &csrf), ("question", &q), ("text", "10")],
        )
        .await;
    assert_eq!(r.status, 303);
    // The last question is optional: skipped, and what was typed is ignored.
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("Lewati"));
    let q = number_after(&r.body, "name=\"question\" value=\"");
    let r = t
        .post_form(
            &answer,
            Some(&jar),
            &[
                ("_csrf", &csrf),
                ("question", &q),
                ("text", "tidak jadi"),
                ("skip", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("Masukanmu kami baca"), "the thank-you page");
    // The portal's home lists the open quiz and survey.
    let home = t.get("/", None).await;
    assert!(home.body.contains("/kuis/kenal-palembang"));
    assert!(home.body.contains("/survei/kepuasan-2026"));
    assert!(
        home.body.contains("/tantangan/liburan-akhir-tahun"),
        "the running challenge"
    );
    // Staff see three responses now, and the visitor's NPS.
    let staff = t
        .sign_in("editor@perpustakaan.example", "siar-demo")
        .await
        .unwrap();
    let r = t.get("/app/survei", Some(&staff.cookie)).await;
    let id = number_after(&r.body, "<td><a href=\"/app/formulir/");
    let r = t
        .get(&format!("/app/formulir/{id}/hasil"), Some(&staff.cookie))
        .await;
    assert!(r.body.contains("3 selesai"), "{}", r.body);
    assert!(
        r.body.contains("NPS 67"),
        "9, 7 and 10: two promoters of three"
    );
    assert!(r.body.contains("Tambah jam buka di hari Minggu"));
    t.cleanup().await;
}

/// The value of an input on a page.
fn value_of(body: &str, name: &str) -> String {
    after(body, &format!("name=\"{name}\" value=\""))
        .chars()
        .take_while(|c| *c != '"')
        .collect()
}

#[tokio::test]
async fn staff_edit_a_poll_and_a_challenge_within_their_rules() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let staff = t
        .sign_in("editor@perpustakaan.example", "siar-demo")
        .await
        .unwrap();
    let (cookie, csrf) = (staff.cookie.as_str(), staff.csrf.as_str());
    // The demo's open poll has votes: its options stay, its words may change.
    let r = t.get("/app/jajak", Some(cookie)).await;
    let before = r.body.split("Minggu Buku Palembang").next().unwrap();
    let id: String = before
        .rsplit("<a href=\"/app/jajak/")
        .next()
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let page = format!("/app/jajak/{id}");
    let r = t.get(&page, Some(cookie)).await;
    assert!(r.body.contains("Ubah jajak pendapat"));
    let options = after(&r.body, "name=\"options\"")
        .split_once('>')
        .unwrap()
        .1
        .split("</textarea>")
        .next()
        .unwrap()
        .to_string();
    assert!(options.contains("Komik sains"));
    let edit = format!("{page}/ubah");
    let r = t
        .post_form(
            &edit,
            Some(cookie),
            &[
                ("_csrf", csrf),
                ("question", "Buku apa yang ingin kamu baca?"),
                ("options", "Komik sains\nDongeng"),
                ("results", "after_vote"),
                ("allow_anonymous", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("pilihan jawaban tidak dapat diubah lagi"));
    assert!(
        r.body.contains("Buku apa yang ingin kamu baca?"),
        "typed text stays"
    );
    let r = t
        .post_form(
            &edit,
            Some(cookie),
            &[
                ("_csrf", csrf),
                ("question", "Buku apa yang ingin kamu baca?"),
                ("options", &options),
                ("results", "after_vote"),
                ("allow_anonymous", "1"),
                ("address_cap", "60"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t.get(&page, Some(cookie)).await;
    assert!(r.body.contains("<h1>Buku apa yang ingin kamu baca?</h1>"));
    assert!(r.body.contains("value=\"60\""));
    assert!(r.body.contains("6 orang memberi suara"), "the votes stay");
    // A poll opening tomorrow shows its options (a preview) but no ballot.
    let r = t
        .post_form(
            "/app/jajak",
            Some(cookie),
            &[
                ("_csrf", csrf),
                ("question", "Tema Pekan Literasi tahun depan?"),
                ("options", "Sains\nSejarah Palembang"),
                ("results", "after_vote"),
                ("opens_at", "2030-01-01T09:00"),
                ("slug", "tema-pekan-literasi"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t.get("/jajak/tema-pekan-literasi", None).await;
    assert!(r.body.contains("belum dibuka"));
    assert!(r.body.contains("<li>Sejarah Palembang</li>"));
    assert!(
        !r.body.contains("name=\"choice\""),
        "no ballot before it opens"
    );

    // The demo challenge has a reader: the goal stays, the title may change.
    let r = t.get("/app/tantangan", Some(cookie)).await;
    let id = number_after(&r.body, "<td><a href=\"/app/tantangan/");
    let page = format!("/app/tantangan/{id}");
    let r = t.get(&page, Some(cookie)).await;
    let (starts, ends) = (value_of(&r.body, "starts_on"), value_of(&r.body, "ends_on"));
    let fields = |title: &'static str, goal: &'static str| {
        vec![
            ("_csrf", csrf.to_string()),
            ("title", title.to_string()),
            ("starts_on", starts.clone()),
            ("ends_on", ends.clone()),
            ("goal_kind", "books".to_string()),
            ("goal", goal.to_string()),
            ("min_age", "6".to_string()),
            ("max_age", "12".to_string()),
            ("points_per_log", "10".to_string()),
            ("daily_log_cap", "5".to_string()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let edit = format!("{page}/ubah");
        let t = &t;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.post_form(&edit, Some(cookie), &pairs).await
        }
    };
    let r = send(fields("Tantangan Liburan", "5")).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("target tidak dapat diubah lagi"));
    let r = send(fields("Tantangan Membaca Liburan Sekolah", "3")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t.get(&page, Some(cookie)).await;
    assert!(r.body.contains("Tantangan Membaca Liburan Sekolah"));
    assert!(r.body.contains("value=\"5\""), "the daily cap is kept");
    t.cleanup().await;
}
