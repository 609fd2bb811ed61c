/**
 * Checkout payment step (Harbor & Pine theme).
 */
define([
    'jquery',
    'uiComponent',
    'ko',
    'Magento_Checkout/js/model/quote',
    'Magento_Checkout/js/model/step-navigator'
], function ($, Component, ko, quote, stepNavigator) {
    'use strict';

    return Component.extend({
        defaults: {
            template: 'Magento_Checkout/payment'
        },
        isVisible: ko.observable(quote.isVirtual()),

        initialize: function () {
            this._super();
            stepNavigator.registerStep('payment', null, 'Review & Payments', this.isVisible, this.navigate.bind(this), 20);
            return this;
        },

        navigate: function () {
            this.isVisible(true);
        },

        getFormKey: function () {
            return window.checkoutConfig.formKey;
        }
    });
});
