"""The SOAP facade: POST /LearnerService.svc and /LearnerServiceR9.svc answering as the
real service does, over the same services the REST API and portal use. The wire format
is lrs.soapwire; this app authenticates, dispatches, audits and translates."""
