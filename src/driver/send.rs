//! Sending a plan's operations through the stores, while the lease holds.

use crate::error::Side;
use crate::model::{Contact, ContactId};
use crate::ops::Execution;
use crate::ports::AdapterError;
use crate::sync::{Action, OpResult, Operation, Plan};

use super::Driver;

impl Driver<'_> {
    /// Sends the plan's operations while the lease holds; the results,
    /// and whether the lease was lost (the rest then skipped).
    pub(super) async fn send(&self, plan: &Plan) -> (Vec<OpResult>, bool) {
        let mut run: Execution<'_, Action, Box<Contact>> = Execution::new(&plan.operations);
        let mut lost = false;
        while let Some(op) = run.next_op() {
            if !self.keep_lease().await {
                lost = true;
                run.skip(op, "not sent: the lease on the connection was lost");
                break;
            }
            let organizations = match &op.action {
                Action::Create { organizations, .. } => {
                    let mut ids = Vec::with_capacity(organizations.len());
                    let mut missing = None;
                    for r in organizations {
                        match run.resolve(r) {
                            Some(id) => ids.push(id),
                            None => missing = r.created_by().cloned(),
                        }
                    }
                    if let Some(missing) = missing {
                        run.skip(
                            op,
                            format!("its organisation (`{missing}`) was not created in this run"),
                        );
                        continue;
                    }
                    ids
                }
                Action::Update { .. } => Vec::new(),
            };
            let answer = self.send_one(op, organizations).await.map(Box::new);
            run.record(op, answer);
        }
        (run.finish(), lost)
    }

    async fn send_one(
        &self,
        op: &Operation,
        organizations: Vec<ContactId>,
    ) -> Result<Contact, AdapterError> {
        let store = match op.side {
            Side::Local => self.local,
            Side::Remote => self.remote,
        };
        match &op.action {
            Action::Create {
                contact,
                idempotency_key,
                ..
            } => {
                let mut c = (**contact).clone();
                c.organization_ids = organizations;
                store.create(&c, idempotency_key).await
            }
            Action::Update {
                target_id,
                patch,
                expected_version,
                ..
            } => {
                store
                    .update(target_id, patch, expected_version.as_ref())
                    .await
            }
        }
    }
}
