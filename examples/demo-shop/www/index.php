<?php
/**
 * Harbor & Pine storefront entry point (demo shop for Ripcord).
 */
try {
    require __DIR__ . '/app/bootstrap.php';
} catch (\Exception $e) {
    echo 'Autoload error: ' . htmlspecialchars($e->getMessage(), ENT_QUOTES);
    exit(1);
}
$bootstrap = \Magento\Framework\App\Bootstrap::create(BP, $_SERVER);
$app = $bootstrap->createApplication(\Magento\Framework\App\Http::class);
$bootstrap->run($app);
