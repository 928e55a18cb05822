// Jest setup: the AWS SDK warns on Node 20 about a future Node 22 requirement; tests do not need to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
