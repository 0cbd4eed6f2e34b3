"""Field rules of LRS records, free of any framework so the offline batch validator,
the API, the portal and the SOAP facade all apply exactly the same rules."""
