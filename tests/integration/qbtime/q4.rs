//! Q4: time reports.

use super::*;

// ---------------------------------------------------------------- Q4

fn clients_for_time() -> Vec<Contact> {
    vec![
        Contact::organization("C1", "Acme Ltd"),
        in_group(Contact::person("C2", "Ann", "Lee"), "Lee Family"),
        in_group(Contact::person("C3", "Bo", "Lee"), "Lee Family"),
    ]
}

fn jobcodes_for_time() -> Vec<Jobcode> {
    vec![
        Jobcode::customer(1, "Acme Ltd"),
        Jobcode::job(2, 1, "Audit"),
        Jobcode::job(3, 2, "Fieldwork"),
        Jobcode::job(4, 1, "Payroll"),
        Jobcode::customer(5, "Ann Lee"),
        Jobcode::customer(6, "Lee Family"),
        Jobcode::job(7, 6, "Estate planning"),
        Jobcode::customer(8, "Walk-in"),
        Jobcode::customer(9, "Vacation").with_kind(JobcodeType::Pto),
    ]
}

#[test]
fn q4_time_is_totalled_per_customer_and_job() {
    let clients = clients_for_time();
    let work = [Work::new("W1", "C1", "Audit")];
    let qbt = jobcodes_for_time();
    let entries = [
        TimeEntry::manual(1, 5, 1, day(4, 2), 600),
        TimeEntry::manual(2, 5, 2, day(4, 2), 3600),
        TimeEntry::manual(3, 6, 3, day(4, 3), 1800), // below the job: counts for it
        TimeEntry::manual(4, 6, 4, day(4, 3), 900),
        TimeEntry::manual(5, 6, 8, day(4, 3), 300),
        TimeEntry::manual(6, 6, 9, day(4, 4), 28_800),
    ];
    let input = TimeReportInput::new(&clients, &qbt, &entries, april(), read_at()).with_work(&work);
    let report = time_report(&input);
    let acme = report.for_client("C1").unwrap();
    assert_eq!(acme.direct_secs, 600);
    assert_eq!(acme.total_secs, 600 + 3600 + 1800 + 900);
    assert_eq!(acme.entries, 4);
    let jobs: Vec<(&str, u64, Option<&str>)> = acme
        .jobs
        .iter()
        .map(|j| {
            (
                j.name.as_str(),
                j.secs,
                j.work_id.as_ref().map(|w| w.as_str()),
            )
        })
        .collect();
    assert_eq!(jobs, [("Audit", 5400, Some("W1")), ("Payroll", 900, None)]);
    let owners: Vec<&TimeOwner> = report.customers.iter().map(|c| &c.owner).collect();
    assert_eq!(
        owners,
        [
            &TimeOwner::Client {
                contact_id: "C1".into(),
                client_group: None
            },
            &TimeOwner::NotInPm,
            &TimeOwner::NonClient {
                kind: JobcodeType::Pto
            },
        ]
    );
    assert_eq!(report.total_secs, 600 + 3600 + 1800 + 900 + 300 + 28_800);
    assert_eq!(report.entries, 6);
}

#[test]
fn q4_time_against_a_client_group_is_reported_for_the_group_only() {
    let clients = clients_for_time();
    let qbt = jobcodes_for_time();
    let entries = [
        TimeEntry::manual(1, 5, 5, day(4, 2), 1200), // Ann Lee's own jobcode
        TimeEntry::manual(2, 5, 6, day(4, 2), 3600), // the group
        TimeEntry::manual(3, 5, 7, day(4, 3), 1800), // a job of the group
    ];
    let report = time_report(&TimeReportInput::new(
        &clients,
        &qbt,
        &entries,
        april(),
        read_at(),
    ));
    let group = report.for_group("LEE FAMILY").unwrap();
    assert_eq!(group.total_secs, 5400);
    assert_eq!(
        group.owner,
        TimeOwner::ClientGroup {
            group: "Lee Family".into(),
            members: vec![ContactId::from("C2"), ContactId::from("C3")],
        }
    );
    // Ann's row holds her own jobcode's time and none of the group's; Bo,
    // with no jobcode of his own, has no row: the group's time is not split.
    let ann = report.for_client("C2").unwrap();
    assert_eq!(ann.total_secs, 1200);
    assert_eq!(
        ann.owner,
        TimeOwner::Client {
            contact_id: "C2".into(),
            client_group: Some("Lee Family".into())
        }
    );
    assert!(report.for_client("C3").is_none());
    assert_eq!(report.total_secs, 6600);
}

#[test]
fn q4_the_report_says_when_time_was_read_and_what_is_still_running() {
    let clients = clients_for_time();
    let qbt = jobcodes_for_time();
    let tz = FixedOffset::east_opt(3600).unwrap();
    let start = tz.with_ymd_and_hms(2026, 4, 30, 9, 0, 0).unwrap();
    let end = tz.with_ymd_and_hms(2026, 4, 30, 10, 30, 0).unwrap();
    let entries = [
        TimeEntry::regular(1, 5, 2, start, end),
        TimeEntry::on_the_clock(2, 6, 2, start, 7200),
        TimeEntry::manual(3, 5, 2, day(4, 30), 60),
        TimeEntry::manual(3, 5, 2, day(4, 30), 60), // listed twice
        TimeEntry::manual(4, 5, 2, day(5, 1), 60),
        TimeEntry::manual(5, 5, 404, day(4, 30), 90),
    ];
    let report = time_report(&TimeReportInput::new(
        &clients,
        &qbt,
        &entries,
        april(),
        read_at(),
    ));
    assert_eq!(report.as_of, read_at());
    assert_eq!(report.period, april());
    assert_eq!(report.open_entries, 1);
    assert_eq!(report.outside_period, 1);
    assert_eq!(report.entries, 4);
    assert_eq!(
        report.for_client("C1").unwrap().total_secs,
        5400 + 7200 + 60
    );
    assert_eq!(report.unknown_jobcodes.len(), 1);
    assert_eq!(report.unknown_jobcodes[0].jobcode_id, JobcodeId(404));
    assert_eq!(report.unknown_jobcodes[0].secs, 90);
    assert_eq!(report.total_secs, 5400 + 7200 + 60 + 90);
}

#[test]
fn q4_renamed_jobcodes_still_count_for_their_client() {
    // Two clients called Acme: the second one's jobcode is "Acme (2)".
    let clients = [
        Contact::organization("C1", "Acme"),
        Contact::organization("C2", "Acme"),
    ];
    let mut qbt = Vec::new();
    let plan = qbtime::plan(&PlanInput::new(&clients, &[], &qbt));
    let links = apply(&plan, &mut qbt);
    let entries = [
        TimeEntry::manual(1, 5, 1, day(4, 2), 100),
        TimeEntry::manual(2, 5, 2, day(4, 2), 200),
    ];
    for input in [
        TimeReportInput::new(&clients, &qbt, &entries, april(), read_at()),
        TimeReportInput::new(&clients, &qbt, &entries, april(), read_at()).with_links(&links),
    ] {
        let report = time_report(&input);
        assert_eq!(report.for_client("C1").unwrap().total_secs, 100);
        assert_eq!(report.for_client("C2").unwrap().total_secs, 200);
        assert_eq!(report.for_client("C2").unwrap().name, "Acme (2)");
    }
}
