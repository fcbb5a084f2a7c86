//! The QuickBooks Time scenario shared by the Q3 test and the plan
//! snapshot.

use ledgerlink::Contact;
use ledgerlink::qbtime::{Jobcode, Work};

/// The firm's clients and work, and what QuickBooks Time holds: Acme is
/// there (as "ACME LTD", customer jobcode 7, with its payroll job 8); Jo
/// Bloggs, Acme's audit and Jo's self assessment are missing.
pub struct MissingInQbt {
    pub clients: [Contact; 2],
    pub work: [Work; 3],
    pub qbt: [Jobcode; 2],
}

impl MissingInQbt {
    pub fn new() -> Self {
        Self {
            clients: [
                Contact::organization("C1", "Acme Ltd"),
                Contact::person("C2", "Jo", "Bloggs"),
            ],
            work: [
                Work::new("W1", "C1", "Audit 2026"),
                Work::new("W2", "C2", "Self assessment"),
                Work::new("W3", "C1", "Payroll"),
            ],
            qbt: [
                Jobcode::customer(7, "ACME LTD"),
                Jobcode::job(8, 7, "payroll"),
            ],
        }
    }

    /// The plan of this scenario.
    pub fn plan(&self) -> ledgerlink::qbtime::Plan {
        let input = ledgerlink::qbtime::PlanInput::new(&self.clients, &self.work, &self.qbt);
        ledgerlink::qbtime::plan(&input)
    }
}
