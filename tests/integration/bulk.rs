//! Bulk matching from CSV (`ledgerlink::matching::bulk`, `ledgerlink::bulk_io`):
//! rows parsed from bytes classify exactly like the equivalent contacts,
//! malformed rows are reported with their line, repeated ids are skipped.

use ledgerlink::bulk_io::{
    ClassifyReadError, ReadTableError, classify_read, read_table, write_results,
    write_streamed_results,
};
use ledgerlink::matching::bulk::{
    CsvClassifier, CsvError, CsvTableParser, MalformedRow, RowProblem, StreamError, classify_table,
    index_table, parse_csv,
};
use ledgerlink::{
    Contact, ExistingLinks, MatchClass, MatchIndex, MatchIndexBuilder, MatchRecord, Profile,
};

const LOCAL: &str = "id,kind,name,first_name,last_name,company_name,email\n\
                     L1,organization,Acme Ltd,,,Acme Ltd,ap@acme.test\n\
                     L2,person,,Jane,Smith,,jane@smith.test\n\
                     L3,person,J. Smith,Jane,Smith,,js@x.test\n\
                     L4,,Shared,,,,s@x.test\n\
                     L5,,Shared,,,,s@x.test\n";

const REMOTE: &str = "id,name,company_name,first_name,last_name,email\n\
                      R1,ACME LTD,Acme Ltd,,,AP@acme.test\n\
                      R2,Jane Smith,,Jane,Smith,jane@smith.test\n\
                      R3,Jane Smith,,Jane,Smith,other@x.test\n\
                      R4,Shared,,,,s@x.test\n\
                      R5,Bill's,Bill Pty,,,b@x.test\n\
                      R6,New Person,,,,n@x.test\n";

fn contacts() -> (Vec<Contact>, Vec<Contact>) {
    let locals = vec![
        Contact::organization("L1", "Acme Ltd").with_email("ap@acme.test"),
        Contact::person("L2", "Jane", "Smith").with_email("jane@smith.test"),
        Contact::person("L3", "Jane", "Smith")
            .with_display_name("J. Smith")
            .with_email("js@x.test"),
        Contact::named("L4", "Shared").with_email("s@x.test"),
        Contact::named("L5", "Shared").with_email("s@x.test"),
    ];
    let mut r1 = Contact::named("R1", "ACME LTD").with_email("AP@acme.test");
    r1.organization_name = Some("Acme Ltd".into());
    let mut r2 = Contact::named("R2", "Jane Smith").with_email("jane@smith.test");
    r2.first_name = Some("Jane".into());
    r2.last_name = Some("Smith".into());
    let mut r3 = Contact::named("R3", "Jane Smith").with_email("other@x.test");
    r3.first_name = Some("Jane".into());
    r3.last_name = Some("Smith".into());
    let mut r5 = Contact::named("R5", "Bill's").with_email("b@x.test");
    r5.organization_name = Some("Bill Pty".into());
    let remotes = vec![
        r1,
        r2,
        r3,
        Contact::named("R4", "Shared").with_email("s@x.test"),
        r5,
        Contact::named("R6", "New Person").with_email("n@x.test"),
    ];
    (locals, remotes)
}

#[test]
fn rows_classify_like_contacts_in_every_profile() {
    let (local_contacts, remote_contacts) = contacts();
    let mut locals = parse_csv(LOCAL.as_bytes()).unwrap();
    // Pushed a few bytes at a time: the same table.
    let mut parser = CsvTableParser::new();
    for chunk in REMOTE.as_bytes().chunks(7) {
        parser.push(chunk).unwrap();
    }
    let mut remotes = parser.finish().unwrap();
    assert!(locals.problems().is_empty() && remotes.problems().is_empty());
    for profile in Profile::ALL {
        let from_contacts = MatchIndex::new(profile, &local_contacts)
            .unwrap()
            .classify_batch(&remote_contacts)
            .unwrap();
        let builder = MatchIndexBuilder::new(profile);
        let (index, dups) = index_table(&builder, &mut locals).unwrap();
        assert!(dups.is_empty());
        let from_rows = index.classify_batch(&remotes.records()).unwrap();
        assert_eq!(from_rows, from_contacts, "{profile}");

        let (views, dups) = classify_table(&index, &mut remotes, &ExistingLinks::new()).unwrap();
        assert!(dups.is_empty());
        for (i, rec) in remotes.records().iter().enumerate() {
            assert_eq!(views.get(i).unwrap().to_result(rec), from_rows[i]);
        }
        let mut out = Vec::new();
        let counts = write_results(&views, &remotes, &mut out, |_| {}).unwrap();
        assert_eq!(counts.total(), 6);
        if profile == Profile::Qbo {
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "remote_id,class,local_ids,matched_on\n\
                 R1,full,L1,name+email\n\
                 R2,full,L2,name+email\n\
                 R3,partial,L2;L3,name\n\
                 R4,unmatchable,,\n\
                 R5,unmatchable,,\n\
                 R6,unmatchable,,\n"
            );
        }
    }
}

fn problems(p: &[RowProblem]) -> Vec<(u64, String)> {
    p.iter().map(|p| (p.line, p.reason.to_string())).collect()
}

#[test]
fn malformed_rows_are_reported_with_their_line_and_skipped() {
    let mut text = b"id,kind,name,email\n\
                    A1,person,Ok,a@x.test\n\
                    A2,robot,Bad Kind,b@x.test\n\
                    ,person,No Id,c@x.test\n\
                    \"  \",person,Blank Id,c@x.test\n\
                    A3,person,Short\n\
                    A4,person,Long,d@x.test,extra\n\
                    A5,person,\"Closed\"early,e@x.test\n\
                    A6,person,\"Multi\nline\",f@x.test\r\n\
                    \r\n\
                    A9,person,bad \xff byte,u@x.test\n\
                    A1,person,Again,a2@x.test\n\
                    A10,organisation,\"Quote \"\"q\"\"\",q@x.test\n"
        .to_vec();
    text.extend_from_slice(b"A7,person,\"never closed,g@x.test\nA8,person,Swallowed,h@x.test\n");
    let mut table = read_table(&text[..], |_| {}).unwrap();
    let ids: Vec<&str> = table.records().iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["A1", "A6", "A1", "A10"]);
    let lines: Vec<u64> = table.records().iter().map(|r| r.line()).collect();
    assert_eq!(lines, [2, 9, 13, 14]);
    assert_eq!(table.records()[3].display_name(), Some("Quote \"q\""));
    assert_eq!(table.records()[1].display_name(), Some("Multi\nline"));
    assert_eq!(table.records()[1].match_email(), Some("f@x.test"));
    assert_eq!(
        problems(table.problems()),
        [
            (
                3,
                "unknown kind `robot` (expected person, organization or organisation)".into()
            ),
            (4, "empty id".into()),
            (5, "empty id".into()),
            (6, "expected 4 fields, found 3".into()),
            (7, "expected 4 fields, found 5".into()),
            (8, "text after a closing quote".into()),
            (12, "invalid UTF-8".into()),
            (15, "unterminated quoted field".into()),
        ]
    );
    assert_eq!(
        table.problems()[3].reason,
        MalformedRow::FieldCount {
            expected: 4,
            found: 3
        }
    );

    // The repeated id: reported when the batch is classified, first row kept.
    let locals = parse_csv(b"id,name,email\nK1,Ok,a@x.test\n").unwrap();
    let index = MatchIndex::new(Profile::XeroGl, &locals.records()).unwrap();
    let (views, dups) = classify_table(&index, &mut table, &ExistingLinks::new()).unwrap();
    assert_eq!(
        problems(&dups),
        [(13, "duplicate id `A1` (first on line 2)".into())]
    );
    assert_eq!(views.len(), 3);
    assert_eq!(table.len(), 3);
    assert_eq!(table.problems().len(), 9);
    let mut out = Vec::new();
    write_results(&views, &table, &mut out, |_| {}).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "remote_id,class,local_ids,matched_on\n\
         A1,full,K1,name+email\n\
         A6,none,,\n\
         A10,none,,\n"
    );
}

#[test]
fn duplicate_local_ids_keep_the_first_row() {
    let mut table = parse_csv(b"\xef\xbb\xbfID,Name\r\nD1,a\r\nD2,b\r\nD1,c\r\nD1,d\r\n").unwrap();
    let (index, dups) = index_table(&MatchIndexBuilder::new(Profile::Xpm), &mut table).unwrap();
    assert_eq!(index.len(), 2);
    assert_eq!(dups.iter().map(|p| p.line).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(
        table
            .records()
            .iter()
            .map(|r| r.display_name().unwrap())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn unusable_inputs_are_errors() {
    assert!(matches!(
        read_table(&b""[..], |_| {}),
        Err(ReadTableError::Csv(CsvError::Empty))
    ));
    assert_eq!(
        parse_csv(b"name,email\nx,y\n").unwrap_err(),
        CsvError::NoIdColumn
    );
    assert_eq!(
        parse_csv(b"id,\"name\n").unwrap_err().to_string(),
        "line 1: bad header: unterminated quoted field"
    );
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk gone"))
        }
    }
    assert!(matches!(
        read_table(Failing, |_| {}),
        Err(ReadTableError::Io(_))
    ));
}

/// (class, local ids, matched fields) of every view, for comparisons.
fn summary(views: &ledgerlink::BatchViews<'_>) -> Vec<String> {
    views
        .iter()
        .map(|v| {
            let ids: Vec<&str> = v.local_ids().collect();
            format!("{:?} {ids:?} {:?}", v.class(), v.matched_on())
        })
        .collect()
}

/// Remote rows with shared names and emails, two claiming the same local
/// contact (M9) in different parts, and a repeated id.
fn remote_csv() -> String {
    let mut text = String::from("id,kind,name,email\n");
    for i in 0..40 {
        let name = ["Acme Ltd", "Jane Smith", "Shared", "Nobody", "ACME LTD"][i % 5];
        let email = ["ap@acme.test", "jane@smith.test", "s@x.test", "n@x.test"][i % 4];
        let id = if i == 33 {
            "R7".to_owned()
        } else {
            format!("R{i}")
        };
        text.push_str(&format!("{id},,{name},{email}\n"));
    }
    text
}

#[test]
fn batches_pushed_in_parts_decide_like_whole_batches() {
    let mut locals = parse_csv(LOCAL.as_bytes()).unwrap();
    let text = remote_csv();
    for profile in Profile::ALL {
        let (index, _) = index_table(&MatchIndexBuilder::new(profile), &mut locals).unwrap();
        let links = ExistingLinks::new();

        // Refused like a whole batch while the id repeats.
        let table = parse_csv(text.as_bytes()).unwrap();
        let records = table.records();
        let mut batch = index.batch_builder(&links);
        for part in records.chunks(3) {
            batch.push(part).unwrap();
        }
        assert_eq!(
            batch.finish().unwrap_err(),
            index.classify_batch(&records).unwrap_err()
        );

        // Dropping the repeat: as classify_table, which removes it.
        let mut whole = parse_csv(text.as_bytes()).unwrap();
        let (expected, dups) = classify_table(&index, &mut whole, &links).unwrap();
        assert_eq!(
            problems(&dups),
            [(35, "duplicate id `R7` (first on line 9)".into())]
        );
        let mut batch = index.batch_builder(&links);
        for part in records.chunks(7) {
            batch.push(part).unwrap();
        }
        let (views, dropped) = batch.finish_dropping_duplicates();
        assert_eq!(dropped, [(33, 7)]);
        assert_eq!(summary(&views), summary(&expected), "{profile}");
        assert_eq!(views.remote_id(33), Some("R34"));
        assert_eq!(expected.remote_id(0), None);

        // Streamed from bytes, a few at a time, deciding while parsing.
        let mut stream = CsvClassifier::new(&index, &links);
        for bytes in text.as_bytes().chunks(50) {
            stream.push(bytes).unwrap();
            // Decide what was parsed so far while parsing nothing more.
            stream.decide_while(|_| ()).unwrap();
        }
        let done = stream.finish().unwrap();
        assert!(done.problems().is_empty());
        assert_eq!(done.duplicates(), dups.as_slice());
        assert_eq!(summary(done.views()), summary(&expected), "{profile}");

        let streamed = classify_read(text.as_bytes(), &index, &links, |_| {}).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_streamed_results(streamed.views(), &mut a, |_| {}).unwrap();
        write_results(&expected, &whole, &mut b, |_| {}).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn streamed_inputs_report_their_problems() {
    let locals = parse_csv(LOCAL.as_bytes()).unwrap();
    let index = MatchIndex::new(Profile::Xpm, &locals.records()).unwrap();
    let links = ExistingLinks::new();
    let done = classify_read(
        &b"id,name\nA,x\nB\n\"C\"d,y\nA,z\n"[..],
        &index,
        &links,
        |_| {},
    )
    .unwrap();
    assert_eq!(
        problems(done.problems()),
        [
            (3, "expected 2 fields, found 1".into()),
            (4, "text after a closing quote".into())
        ]
    );
    assert_eq!(
        problems(done.duplicates()),
        [(5, "duplicate id `A` (first on line 2)".into())]
    );
    assert_eq!(done.views().len(), 1);
    assert!(matches!(
        classify_read(&b"name\nx\n"[..], &index, &links, |_| {}),
        Err(ClassifyReadError::Stream(StreamError::Csv(
            CsvError::NoIdColumn
        )))
    ));
}

/// A CSV of about 2.3 MB, with quoted line breaks (one of them across the
/// middle when `quoted_middle`), blank lines and malformed rows.
fn big_csv(quoted_middle: bool) -> Vec<u8> {
    let mut text = String::from("id,kind,name,email,notes\n");
    let rows = 40_000;
    for i in 0..rows {
        let notes = if quoted_middle && i == rows / 2 {
            format!("\"{}\"", "line\n".repeat(20_000))
        } else if i % 97 == 0 {
            "\"two\nlines, \"\"quoted\"\"\"".to_owned()
        } else {
            "plain notes here".to_owned()
        };
        let kind = if i % 1_001 == 0 { "robot" } else { "person" };
        text.push_str(&format!(
            "R{i},{kind},Name {i} Smith,r{i}@x.test,{notes}{}",
            if i % 13 == 0 { "\r\n\r\n" } else { "\n" }
        ));
    }
    text.into_bytes()
}

#[test]
fn tables_read_in_two_halves_equal_tables_read_in_one() {
    use ledgerlink::bulk_io::read_table_split;
    use std::io::Cursor;
    for quoted_middle in [false, true] {
        let text = big_csv(quoted_middle);
        assert!(text.len() > 2 << 20, "{}", text.len());
        let one = read_table(&text[..], |_| {}).unwrap();
        let two = read_table_split(Cursor::new(&text[..]), Cursor::new(&text[..]), |_| {}).unwrap();
        assert_eq!(one.len(), two.len());
        assert_eq!(problems(one.problems()), problems(two.problems()));
        let rows = |t: &ledgerlink::matching::bulk::CsvTable| -> Vec<String> {
            t.records()
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {:?} {:?}",
                        r.line(),
                        r.id(),
                        r.display_name(),
                        r.kind()
                    )
                })
                .collect()
        };
        assert_eq!(rows(&one), rows(&two), "quoted middle: {quoted_middle}");
        assert!(one.problems().len() >= 20);
    }
}

/// A repeated row that would contest the first one's match (M9) is dropped
/// before the batch is settled: the first row keeps its full match, as if
/// the repeat had never been in the table.
#[test]
fn m9_a_dropped_repeat_contests_nothing() {
    let mut locals = parse_csv(b"id,name,email\nK1,Acme,a@acme.test\nK2,Bo,b@x.test\n").unwrap();
    let (index, _) = index_table(&MatchIndexBuilder::new(Profile::XeroGl), &mut locals).unwrap();
    let links = ExistingLinks::new();
    let with = b"id,name,email\nX1,ACME,a@acme.test\nX2,Bo,b@x.test\nX1,Acme,a@acme.test\nX3,Bo,b@x.test\n";
    let without = b"id,name,email\nX1,ACME,a@acme.test\nX2,Bo,b@x.test\nX3,Bo,b@x.test\n";
    let mut table = parse_csv(with).unwrap();
    let (views, dups) = classify_table(&index, &mut table, &links).unwrap();
    assert_eq!(
        problems(&dups),
        [(4, "duplicate id `X1` (first on line 2)".into())]
    );
    let mut plain = parse_csv(without).unwrap();
    let (expected, none) = classify_table(&index, &mut plain, &links).unwrap();
    assert!(none.is_empty());
    let classes = |v: &ledgerlink::BatchViews<'_>| v.iter().map(|v| v.class()).collect::<Vec<_>>();
    assert_eq!(
        classes(&views),
        [
            MatchClass::Full,
            MatchClass::Ambiguous,
            MatchClass::Ambiguous
        ]
    );
    assert_eq!(classes(&views), classes(&expected));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    write_results(&views, &table, &mut a, |_| {}).unwrap();
    write_results(&expected, &plain, &mut b, |_| {}).unwrap();
    assert_eq!(a, b);
}

/// Problems as (line, reason) pairs.
type Lines = Vec<(u64, String)>;

/// Results, problems and repeated ids of a remote input, as `match_csv`
/// writes them.
fn streamed_outcome(
    done: &ledgerlink::matching::bulk::ClassifiedCsv<'_>,
) -> (Vec<u8>, Lines, Lines) {
    let mut out = Vec::new();
    write_streamed_results(done.views(), &mut out, |_| {}).unwrap();
    (out, problems(done.problems()), problems(done.duplicates()))
}

/// The remote side read ahead on its own thread while the index is built
/// (several chunks of rows, quoted line breaks, malformed and repeated
/// rows) classifies exactly as it does read after the index; a local
/// table given up to the index gives the index `index_table` gives.
#[test]
fn remote_rows_read_ahead_classify_as_rows_read_after() {
    use ledgerlink::bulk_io::ReadAhead;
    use ledgerlink::matching::bulk::index_tables_owned;
    let mut remote = big_csv(true);
    remote.extend_from_slice(b"R7,person,Name 7 Smith,r7@x.test,again\n");
    let mut local = String::from("id,name,email\n");
    for i in (0..40_000).step_by(3) {
        local.push_str(&format!("K{i},Name {i} Smith,r{}@x.test\n", i + i % 2));
    }
    local.push_str("K3,Again,a@x.test\nK9,,\nbad\n");
    let builder = MatchIndexBuilder::new(Profile::Xpm);
    let mut table = parse_csv(local.as_bytes()).unwrap();
    let (index, dups) = index_table(&builder, &mut table).unwrap();
    let (owned, parse_problems, owned_dups) =
        index_tables_owned(&builder, vec![parse_csv(local.as_bytes()).unwrap()]).unwrap();
    assert_eq!(problems(&owned_dups), problems(&dups));
    assert_eq!(
        problems(&dups),
        [
            (13_336, "duplicate id `K3` (first on line 3)".into()),
            (13_337, "duplicate id `K9` (first on line 5)".into())
        ]
    );
    assert_eq!(
        problems(&parse_problems),
        [(13_338, "expected 3 fields, found 1".into())]
    );
    assert_eq!(owned.len(), index.len());

    let links = ExistingLinks::new();
    let after = classify_read(&remote[..], &index, &links, |_| {}).unwrap();
    let expected = streamed_outcome(&after);
    assert!(
        expected.0.len() > 500_000 && expected.1.len() > 20,
        "{}",
        expected.1.len()
    );
    assert_eq!(
        expected.2,
        [(63_492, "duplicate id `R7` (first on line 11)".into())]
    );
    let ahead = std::thread::scope(|scope| {
        let ahead = ReadAhead::start(scope, &remote[..], remote.len() as u64, |_| {});
        let done = ahead.classify(&owned, &links).unwrap();
        streamed_outcome(&done)
    });
    assert_eq!(ahead, expected);
}

/// A reader that never ends, a row at a time, failing after `fail_after`
/// bytes when given.
struct Endless {
    row: u64,
    fail_after: Option<usize>,
    read: usize,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_after.is_some_and(|n| self.read >= n) {
            return Err(std::io::Error::other("disk gone"));
        }
        let line = if self.row == 0 {
            "id,name\n".to_owned()
        } else {
            format!("R{},Name {}\n", self.row, self.row % 1000)
        };
        self.row += 1;
        let n = line.len().min(buf.len());
        buf[..n].copy_from_slice(&line.as_bytes()[..n]);
        self.read += n;
        Ok(n)
    }
}

/// Reading ahead stops once nobody will classify the rows (the scope ends
/// although the input never does), and a read error reaches `classify`.
#[test]
fn reading_ahead_stops_when_dropped_and_reports_read_errors() {
    use ledgerlink::bulk_io::ReadAhead;
    let locals = parse_csv(LOCAL.as_bytes()).unwrap();
    let index = MatchIndex::new(Profile::Xpm, &locals.records()).unwrap();
    let links = ExistingLinks::new();
    std::thread::scope(|scope| {
        let endless = Endless {
            row: 0,
            fail_after: None,
            read: 0,
        };
        drop(ReadAhead::start(scope, endless, 0, |_| {}));
    });
    let failing = Endless {
        row: 0,
        fail_after: Some(100_000),
        read: 0,
    };
    let result = std::thread::scope(|scope| {
        ReadAhead::start(scope, failing, 0, |_| {})
            .classify(&index, &links)
            .map(|done| done.views().len())
    });
    match result {
        Err(ClassifyReadError::Io(e)) => assert_eq!(e.to_string(), "disk gone"),
        other => panic!("{other:?}"),
    }
}

/// A listing read as two halves and indexed without joining them gives
/// the rows, problems, repeated ids and index of the listing read whole.
#[test]
fn halves_indexed_apart_index_as_the_whole() {
    use ledgerlink::bulk_io::read_table_parts;
    use ledgerlink::matching::bulk::index_tables_owned;
    use std::io::Cursor;
    for quoted_middle in [false, true] {
        let mut text = big_csv(quoted_middle);
        // Ids repeated across the halves and within the second.
        text.extend_from_slice(b"R5,person,Again,a@x.test,x\nR39990,,Again,b@x.test,x\n");
        let parts =
            read_table_parts(Cursor::new(&text[..]), Cursor::new(&text[..]), |_| {}).unwrap();
        assert_eq!(parts.len(), if quoted_middle { 1 } else { 2 });
        let mut whole = read_table(&text[..], |_| {}).unwrap();
        let parse_problems = problems(whole.problems());
        let builder = MatchIndexBuilder::new(Profile::XeroGl);
        let (index, dups) = index_table(&builder, &mut whole).unwrap();
        let (apart, skipped, repeated) = index_tables_owned(&builder, parts).unwrap();
        assert_eq!(problems(&skipped), parse_problems);
        assert_eq!(problems(&repeated), problems(&dups));
        assert_eq!(repeated.len(), 2, "{quoted_middle}");
        assert_eq!(apart.len(), index.len());
        let links = ExistingLinks::new();
        let remote =
            b"id,name,email\nX1,Name 5 Smith,r5@x.test\nX2,name 39990 smith,\nX3,,r77@x.test\n";
        let run = |index: &MatchIndex| {
            let done = classify_read(&remote[..], index, &links, |_| {}).unwrap();
            streamed_outcome(&done)
        };
        assert_eq!(run(&apart), run(&index), "{quoted_middle}");
        assert_eq!(
            String::from_utf8(run(&apart).0).unwrap(),
            "remote_id,class,local_ids,matched_on\nX1,full,R5,name+email\nX2,partial,R39990,name\nX3,partial,R77,email\n"
        );
    }
}
