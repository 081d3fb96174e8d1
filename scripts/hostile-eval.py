#!/usr/bin/env python3
"""Generates the adversarial inputs of issue 7 for the evaluator and the diff's set
algebra, at a chosen size, to measure what the budgets allow (docs/budgets.md):

  join N          CloudFormation YAML: a user whose Resource and permissions boundary are a
                  `!Join` of N aliases of one 1,000-character string      (`effective`)
  star-a N        auth-details pair: a Deny `NotResource` of `*a` repeated N times (`diff`)
  needles N       auth-details pair: N patterns `arn:aws:s3:::*0042*a????????????`
                  against a wide Deny                                        (`diff`)
  needles-shift N auth-details pair: N such patterns before, the next N after (`diff`)
  distinct N      auth-details pair: N distinct wildcard patterns on one principal (`diff`)

Usage: scripts/hostile-eval.py SHAPE N OUTDIR   (writes template.yaml or before/after.json)
Then, e.g.:
  /usr/bin/time -v iamdiff effective OUTDIR/template.yaml
  /usr/bin/time -v iamdiff diff --before OUTDIR/before.json --after OUTDIR/after.json
"""

import json
import os
import sys


def join_template(n):
    s = "arn:aws:s3:::" + "b" * (1000 - 13)
    aliases = ", ".join(["*s"] * (n - 1))
    doc = f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: boundary
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: "s3:*"
            Resource: !Join ["", [&s "{s}"{', ' + aliases if aliases else ''}]]
  Hostile:
    Type: AWS::IAM::User
    Properties:
      UserName: hostile
      PermissionsBoundary: !Ref Boundary
      Policies:
        - PolicyName: hostile
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: "s3:GetObject"
                Resource: !Join ["", [*s{', ' + aliases if aliases else ''}]]
"""
    return doc


def account(statements_by_policy):
    policies = [
        {"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": st}}
        for name, st in statements_by_policy
    ]
    return {
        "UserDetailList": [
            {
                "Path": "/",
                "UserName": "hostile",
                "UserId": "AIDAEXAMPLEHOSTILE01",
                "Arn": "arn:aws:iam::111122223333:user/hostile",
                "GroupList": [],
                "AttachedManagedPolicies": [],
                "UserPolicyList": policies,
            }
        ],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }


def allow(resources, action="s3:GetObject"):
    return {"Effect": "Allow", "Action": action, "Resource": resources}


def pair(shape, n):
    if shape == "star-a":
        deny = {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "*a" * n}
        before = [("p", [allow("arn:aws:s3:::b/*")])]
        after = [("p", [allow("arn:aws:s3:::b/*"), deny])]
    elif shape == "needles":
        pats = [f"arn:aws:s3:::*{i % 10000:04}*a????????????" for i in range(n)]
        deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*a*"}
        before = [("p", [allow(pats)])]
        after = [("p", [allow(pats), deny])]
    elif shape == "needles-shift":
        pats = lambda off: [f"arn:aws:s3:::*{i + off:04}*a????????????" for i in range(n)]
        before = [("p", [allow(pats(0))])]
        after = [("p", [allow(pats(1))])]
    elif shape == "distinct":
        pats = [f"arn:aws:s3:::bucket-{i}/*/k{i}?*" for i in range(n)]
        before = [("p", [allow(pats)])]
        after = [("p", [allow(pats[1:] + ["arn:aws:s3:::bucket-0/*"])])]
    else:
        raise SystemExit(f"unknown shape `{shape}`")
    return account(before), account(after)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    if shape == "join":
        with open(os.path.join(out, "template.yaml"), "w") as f:
            f.write(join_template(n))
        return
    before, after = pair(shape, n)
    for name, doc in (("before.json", before), ("after.json", after)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(doc, f)


if __name__ == "__main__":
    main()
