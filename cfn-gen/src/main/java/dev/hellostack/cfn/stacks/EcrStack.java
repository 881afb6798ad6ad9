package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;

/**
 * The container image repository, one for the application and shared by every environment: the default
 * branch pushes each image once, dev runs it, and prod is a promotion of the same image (same tag, same
 * digest; tags are immutable). Scan on push, AES256 encryption at rest, a lifecycle policy, kept when the
 * stack is deleted. Deployed by an administrator (bootstrap), so no pipeline role can change or delete it.
 */
public final class EcrStack implements Stack {

    static final String REPOSITORY_NAME = "RepositoryName";
    static final String REPOSITORY_ARN = "RepositoryArn";
    static final String REPOSITORY_URI = "RepositoryUri";

    @Override
    public String name() {
        return "ecr";
    }

    @Override
    public boolean perEnvironment() {
        return false;
    }

    @Override
    public DeployedBy deployedBy() {
        return DeployedBy.administrator;
    }

    @Override
    public String summary() {
        return "ECR repository of the application, shared by every environment: immutable tags, scan on push, AES256, "
                + "lifecycle policy, retained on delete";
    }

    @Override
    public Template template(Environment env) {
        Template t = new Template(name(), "hello-stack: the application's image repository, shared by every environment "
                + "(immutable tags, scan on push, lifecycle policy, retained on stack deletion). Deployed by an administrator.");
        // RetainExceptOnCreate: a stack operation that created it and then rolled back deletes it, so a failed
        // first create can be retried under the same name; afterwards it is kept with its images.
        Resource repo = t.resource("Repository", "AWS::ECR::Repository")
                .deletionPolicy(Resource.Policy.RetainExceptOnCreate)
                .updateReplacePolicy(Resource.Policy.Retain)
                .prop("RepositoryName", env.app())
                .prop("ImageTagMutability", "IMMUTABLE")
                .prop("ImageScanningConfiguration", Obj.of("ScanOnPush", true))
                .prop("EncryptionConfiguration", Obj.of("EncryptionType", "AES256"))
                .prop("LifecyclePolicy", Obj.of("LifecyclePolicyText", lifecyclePolicy()))
                .prop("Tags", Obj.tags(java.util.Map.of(AppEnv.APP_TAG, env.app())));

        t.output("RepositoryName", repo.ref())
                .description("Name of the image repository.")
                .export(env.app() + "-" + REPOSITORY_NAME);
        t.output("RepositoryArn", repo.getAtt("Arn"))
                .description("ARN of the image repository.")
                .export(env.app() + "-" + REPOSITORY_ARN);
        t.output("RepositoryUri", repo.getAtt("RepositoryUri"))
                .description("URI the pipeline pushes images to and the services pull them from.")
                .export(env.app() + "-" + REPOSITORY_URI);
        return t;
    }

    /** The tags an environment that builds no images (prod) gives the images it runs: {@code <env>-<tag>}. */
    static String promotedTagPattern() {
        return Environments.all().stream().filter(e -> !e.pipeline().pushesImages())
                .map(e -> "\"" + e.name() + "-*\"").collect(java.util.stream.Collectors.joining(", "));
    }

    static String lifecyclePolicy() {
        return LIFECYCLE_POLICY.replace("${PromotedTags}", promotedTagPattern())
                .replace("${KeepPromotedImages}", String.valueOf(Environments.KEEP_PROMOTED_IMAGES))
                .replace("${KeepTaggedImages}", String.valueOf(Environments.KEEP_TAGGED_IMAGES));
    }

    /**
     * The images promoted to prod (tagged prod-*, by deploy-stacks.sh) are selected first: "An image that
     * matches the tagging requirements of a higher priority rule cannot be expired by a rule with a lower
     * priority" (ECR User Guide, lifecycle policy evaluation rules), so the count rule below never expires
     * what prod runs, however many images the default branch pushes after it. Of those, only the oldest
     * beyond the newest KeepPromotedImages expire (three images per promotion: the manifest list and one
     * image per architecture). Untagged images expire after 7 days; of the other tagged images only the
     * newest KeepTaggedImages are kept.
     */
    static final String LIFECYCLE_POLICY = """
            {
              "rules": [
                {
                  "rulePriority": 1,
                  "description": "Keep the newest ${KeepPromotedImages} images promoted to an environment",
                  "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": [${PromotedTags}],
                    "countType": "imageCountMoreThan",
                    "countNumber": ${KeepPromotedImages}
                  },
                  "action": { "type": "expire" }
                },
                {
                  "rulePriority": 2,
                  "description": "Expire untagged images after 7 days",
                  "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 7
                  },
                  "action": { "type": "expire" }
                },
                {
                  "rulePriority": 3,
                  "description": "Keep only the newest ${KeepTaggedImages} other tagged images",
                  "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": ${KeepTaggedImages}
                  },
                  "action": { "type": "expire" }
                }
              ]
            }
            """;
}
