<?php
/**
 * Public entry point (demo).
 */
require realpath(__DIR__) . '/../app/bootstrap.php';
$bootstrap = \Magento\Framework\App\Bootstrap::create(BP, $_SERVER);
$bootstrap->run($bootstrap->createApplication(\Magento\Framework\App\Http::class));
